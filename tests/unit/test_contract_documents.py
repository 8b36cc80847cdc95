"""The contract documents read by tools the project did not write: the AsyncAPI document by
the official AsyncAPI parser (``tests/interop``, from the npm registry), the event JSON Schemas
by an independent JSON Schema validator."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from contracts.events import Envelope
from tools.samples import placement_started

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"
SCHEMAS = ROOT / "contracts" / "schemas"
ENVELOPE = set(Envelope.model_fields)
ERROR, WARNING = 0, 1  # the parser's severities


def event_schemas() -> list[Path]:
    return sorted(p for p in SCHEMAS.glob("*.v*.json"))


def official_parser(path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the AsyncAPI parser (tests/interop) needs it")
    if not (INTEROP / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail("run `npm ci --prefix tests/interop` (scripts/ensure-test-tools.sh does)")
    done = subprocess.run(
        [node, str(INTEROP / "validate-asyncapi.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_official_parser_accepts_the_asyncapi_document() -> None:
    answer = official_parser(ROOT / "contracts" / "asyncapi.json")
    serious = [f for f in answer["findings"] if f["severity"] in (ERROR, WARNING)]
    assert serious == []
    document = answer["document"]
    assert document["version"].startswith("3.")
    assert sorted(document["servers"]) == ["certificates", "placements", "reporting"]
    for channel in document["channels"]:
        assert channel["parameters"] == re.findall(r"\{([^}]+)\}", channel["address"]), channel
    assert sum(1 for c in document["channels"] if c["parameters"] == ["producer"]) >= 8
    for message in document["messages"]:
        assert message["name"] == message["id"]
        assert not message["name"].endswith("Message"), message
        assert message["correlationId"] == "$message.payload#/correlation_id"


def test_a_channel_parameter_left_undeclared_is_an_error(tmp_path: Path) -> None:
    """The parser is not lenient: the test above would see a missing declaration."""
    document = json.loads((ROOT / "contracts" / "asyncapi.json").read_text("utf-8"))
    channel = next(c for c in document["channels"].values() if "parameters" in c)
    channel["parameters"] = {"someone": {"description": "not in the address"}}
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(document), "utf-8")
    answer = official_parser(broken)
    assert any(f["severity"] == ERROR for f in answer["findings"]), answer["findings"]


@pytest.mark.parametrize("path", event_schemas(), ids=lambda p: p.stem)
def test_every_envelope_field_is_required_and_the_dialect_declared(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema_rs.meta.validate(schema)  # a valid schema of the dialect it declares
    assert set(schema["required"]) >= ENVELOPE


def test_an_event_without_its_envelope_fields_is_refused() -> None:
    schema = json.loads((SCHEMAS / "PlacementStarted.v1.json").read_text("utf-8"))
    validator = jsonschema_rs.validator_for(schema)
    event = json.loads(placement_started().model_dump_json())
    validator.validate(event)
    for field in ("event_id", "event_type", "schema_version", "occurred_at", "correlation_id"):
        assert not validator.is_valid({k: v for k, v in event.items() if k != field}), field
