"""Every city-ops command explains itself."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from certificates.signing.keys import ensure_key_file
from ops.broker import dead_letter_queue_of
from ops.cli import app

COMMANDS = [
    [],
    ["queues"],
    ["outbox"],
    ["dead-letters"],
    ["dead-letters", "list"],
    ["dead-letters", "show"],
    ["dead-letters", "replay"],
    ["dead-letters", "purge"],
    ["certificates"],
    ["certificates", "waiting"],
    ["certificates", "rotate-key"],
    ["certificates", "compromise-key"],
    ["reporting"],
    ["reporting", "status"],
    ["reporting", "unusable"],
    ["reporting", "rebuild"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "city-ops")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


LEAVES = [c for c in COMMANDS if len(c) == 2 or c in (["queues"], ["outbox"])]


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_every_command_can_answer_in_json(command: list[str]) -> None:
    """Scripts read the answers: each command offers one JSON document."""
    result = CliRunner().invoke(app, [*command, "--help"])
    assert "--json" in result.output, result.output


def test_a_work_queue_name_means_its_dead_letters() -> None:
    assert dead_letter_queue_of("certificates.placement-events") == (
        "certificates.placement-events.dead-letter"
    )
    assert dead_letter_queue_of("certificates.placement-events.dead-letter") == (
        "certificates.placement-events.dead-letter"
    )


def test_json_is_one_document_with_iso_times(tmp_path: Path) -> None:
    ensure_key_file(tmp_path / "key-1")
    result = CliRunner().invoke(
        app,
        [
            "certificates", "rotate-key", "--json",
            "--ring", str(tmp_path / "ring.json"),
            "--new-key-file", str(tmp_path / "key-2"),
            "--current-key-file", str(tmp_path / "key-1"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["ring"]["current"] == "key-2"
    retired = document["ring"]["keys"][0]["retired_at"]
    assert datetime.fromisoformat(retired).tzinfo is not None
