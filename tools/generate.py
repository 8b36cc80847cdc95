"""Generate the files derived from code: JSON Schemas, the AsyncAPI document and the RabbitMQ
definitions. ``make generate`` writes them; a test fails when a committed copy is stale.

    python -m tools.generate           # write
    python -m tools.generate --check   # exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from certificates.messaging import create_broker as certificates_broker
from contracts.events import ALL_EVENTS
from contracts.organisations import load_register
from contracts.reference import reference_json_schema
from contracts.topology import broker_users, rabbitmq_definitions
from placements.messaging import create_broker as placements_broker
from reporting.messaging import create_broker as reporting_broker
from runtime.asyncapi import asyncapi_document

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_VERSION = "1.0.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic writes
DOC_BROKER_URL = "amqp://rabbitmq:5672/city"  # what the document shows as the server


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def artefacts() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for event in ALL_EVENTS:
        schema = event.model_json_schema(mode="serialization")
        version = event.model_fields["schema_version"].default
        schema["$schema"] = JSON_SCHEMA_DIALECT
        schema["$id"] = f"urn:city-placements:events:{event.type_name()}:v{version}"
        files[ROOT / "contracts" / "schemas" / f"{event.type_name()}.v{version}.json"] = _json(
            schema
        )
    reference = {"$schema": JSON_SCHEMA_DIALECT, **reference_json_schema()}
    files[ROOT / "contracts" / "schemas" / "reference-data.json"] = _json(reference)
    files[ROOT / "contracts" / "asyncapi.json"] = _json(
        asyncapi_document(
            {
                "placements": placements_broker(DOC_BROKER_URL),
                "certificates": certificates_broker(DOC_BROKER_URL),
                "reporting": reporting_broker(DOC_BROKER_URL),
            },
            version=CONTRACTS_VERSION,
        )
    )
    organisations = [a.code for a in load_register().administrations]
    files[ROOT / "deploy" / "rabbitmq" / "definitions.json"] = _json(
        rabbitmq_definitions(users=broker_users(organisations))
    )
    return files


def stale(files: dict[Path, str]) -> list[Path]:
    return [
        path
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    files = artefacts()
    outdated = stale(files)
    if args.check:
        for path in outdated:
            print(f"stale: {path.relative_to(ROOT)} (run `make generate`)")
        return 1 if outdated else 0
    for path in outdated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
