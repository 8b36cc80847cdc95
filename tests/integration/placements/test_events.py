"""What the placements service puts on the broker."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from contracts.events import PlacementStarted, parse_event
from tests.integration.placements.conftest import Placements, registration
from tools.samples import personnummer

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[3] / "contracts" / "schemas"


def published_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The committed JSON Schema of the message's own type and version."""
    path = SCHEMAS / f"{document['event_type']}.v{document['schema_version']}.json"
    schema: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return schema


async def run_a_year(placements: Placements, count: int = 3) -> list[dict[str, str]]:
    participants = []
    async with placements.client(**{"X-Correlation-ID": "case-7"}) as client:
        for i in range(count):
            participant = {
                "personnummer": personnummer("19850720", f"{100 + i}"),
                "given_name": f"Förnamn{i}",
                "family_name": f"Efternamn{i}",
            }
            participants.append(participant)
            created = (
                await client.post("/placements", json=registration(participant=participant))
            ).json()
            url = f"/placements/{created['id']}"
            await client.post(f"{url}/planned-end", json={"planned_end_date": "2027-01-31"})
            await client.post(
                f"{url}/assessments",
                json={
                    "module": "praktiskt-kunnande",
                    "level": "2",
                    "assessed_on": "2026-03-01",
                    "assessor": "handledare",
                    "comment": "Arbetar noggrant.",
                },
            )
            await client.post(
                f"{url}/value-added",
                json={"beneficiary": "individual", "category": "arbetslivserfarenhet"},
            )
            await client.post(f"{url}/end", json={"end_date": "2026-11-30", "outcome": "B"})
    return participants


async def test_events_match_the_contract_in_sequence_without_gaps(placements: Placements) -> None:
    await run_a_year(placements)
    published = await placements.published()

    by_placement: dict[str, list[int]] = defaultdict(list)
    for document in published:
        event = parse_event(document)  # raises if it breaks the contract
        assert event.producer == "sf"
        assert event.correlation_id == "case-7"
        by_placement[str(event.placement_id)].append(event.sequence)
    assert len(by_placement) == 3
    for sequences in by_placement.values():
        assert sorted(sequences) == [1, 2, 3, 4, 5]
    types = [d["event_type"] for d in published if d["sequence"] == 1]
    assert types == ["PlacementStarted"] * 3


async def test_city_wide_stream_carries_no_name_or_personnummer(placements: Placements) -> None:
    participants = await run_a_year(placements)
    city_wide = json.dumps(await placements.published(), ensure_ascii=False)

    for participant in participants:
        digits = participant["personnummer"].replace("-", "")
        for secret in (
            participant["personnummer"],
            digits,
            digits[2:],  # the ten-digit form
            participant["given_name"],
            participant["family_name"],
            "Karin Nilsson",  # the supervisor
        ):
            assert secret not in city_wide

    started = [
        PlacementStarted.model_validate(d)
        for d in json.loads(city_wide)
        if d["event_type"] == "PlacementStarted"
    ]
    assert {s.payload.gender for s in started} == {"female", "male"}  # serials 100, 101, 102
    assert all(s.payload.age_band == "25_plus" for s in started)
    assert len({s.payload.participant_ref for s in started}) == 3


async def test_identity_goes_only_on_the_identity_route(placements: Placements) -> None:
    participants = await run_a_year(placements, count=2)
    identity = await placements.published_identity()
    assert [d["event_type"] for d in identity] == ["ParticipantIdentified"] * 2
    assert {d["payload"]["personnummer"] for d in identity} == {
        p["personnummer"].replace("-", "") for p in participants
    }
    assert all(d["sequence"] == 1 for d in identity)


async def test_the_same_person_gets_the_same_pseudonym(placements: Placements) -> None:
    body = registration()
    async with placements.client("sf") as sf, placements.client("kf") as kf:
        await sf.post("/placements", json=body)
        await kf.post("/placements", json=body)
    refs = {d["payload"]["participant_ref"] for d in await placements.published()}
    assert len(refs) == 1


async def test_what_the_relay_publishes_validates_against_the_published_schemas(
    placements: Placements,
) -> None:
    """Checked by an independent JSON Schema validator, not by the models that wrote them,
    against the schemas in which every envelope field is required."""
    await run_a_year(placements, count=1)
    published = await placements.published() + await placements.published_identity()
    assert {d["event_type"] for d in published} >= {
        "PlacementStarted", "PlacementUpdated", "ModuleAssessed", "ValueAddedRecorded",
        "PlacementEnded", "ParticipantIdentified",
    }  # fmt: skip
    for document in published:
        schema = published_schema(document)
        assert {"event_id", "occurred_at", "correlation_id"} <= set(schema["required"])
        jsonschema_rs.validator_for(schema).validate(document)
