"""The committed JSON Schemas, AsyncAPI document and RabbitMQ definitions match the code."""

from __future__ import annotations

import json

from tools.generate import ROOT, artefacts, stale


def test_generated_files_are_current() -> None:
    outdated = [str(p.relative_to(ROOT)) for p in stale(artefacts())]
    assert outdated == [], f"stale generated files, run `make generate`: {outdated}"


def test_every_event_has_a_schema_and_an_asyncapi_message() -> None:
    files = artefacts()
    asyncapi = json.loads(files[ROOT / "contracts" / "asyncapi.json"])
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    schemas = {p.name for p in files if p.parent.name == "schemas"}
    for event in (
        "PlacementStarted",
        "PlacementUpdated",
        "ValueAddedRecorded",
        "ModuleAssessed",
        "PlacementEnded",
        "ParticipantIdentified",
    ):
        assert f"{{producer}}.{event}" in addresses
    for event in (
        "PlacementStarted",
        "PlacementUpdated",
        "ValueAddedRecorded",
        "ModuleAssessed",
        "PlacementEnded",
        "CertificateIssued",
        "CertificateRevoked",
        "ParticipantIdentified",
    ):
        assert f"{event}.v1.json" in schemas
