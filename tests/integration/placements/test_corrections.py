"""Corrections (rättelse) and withdrawal (makulering) through the HTTP API, against PostgreSQL
and RabbitMQ: each leaves as its event through the outbox, the placement's read shows the
corrected facts and a history with both the original and the correction, a retry with the same
Idempotency-Key corrects once, and a withdrawn placement refuses every change."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import httpx
import pytest

from contracts.events import parse_event
from tests.integration.placements.conftest import Placements, registration

pytestmark = pytest.mark.integration

REASON = "Fel vid registreringen"


async def lived(client: httpx.AsyncClient) -> dict[str, Any]:
    """Registered (1), assessed (2), ended with outcome A (3)."""
    created = (await client.post("/placements", json=registration())).json()
    url = f"/placements/{created['id']}"
    assessment = {
        "module": "sprak",
        "level": "A2",
        "assessed_on": "2026-03-01",
        "assessor": "handledare",
    }
    assert (await client.post(f"{url}/assessments", json=assessment)).status_code == 200
    ended = await client.post(f"{url}/end", json={"end_date": "2026-11-30", "outcome": "A"})
    assert ended.status_code == 200, ended.text
    placement: dict[str, Any] = ended.json()
    return placement


async def test_each_correction_leaves_as_its_event_and_the_history_keeps_both(
    placements: Placements,
) -> None:
    async with placements.client() as client:
        placement = await lived(client)
        url = f"/placements/{placement['id']}"
        [assessment] = placement["assessments"]
        [entry] = placement["value_added"]
        answers = [
            await client.post(f"{url}/corrections/end", json={"outcome": "B", "reason": REASON}),
            await client.post(
                f"{url}/corrections/assessments/{assessment['id']}",
                json={"level": "B1", "reason": REASON},
            ),
            await client.post(
                f"{url}/corrections/value-added/{entry['id']}",
                json={"stage": "realised", "reason": REASON},
            ),
            await client.post(
                f"{url}/corrections/details",
                json={"supervisor": {"name": "Per Persson"}, "role": "Arkivarie", "reason": REASON},
            ),
        ]
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        read = (await client.get(url)).json()

    assert (read["outcome"], read["role"], read["supervisor"]["name"]) == (
        "B",
        "Arkivarie",
        "Per Persson",
    )
    assert [(a["id"], a["level"]) for a in read["assessments"]] == [(assessment["id"], "B1")]
    assert [(v["id"], v["stage"]) for v in read["value_added"]] == [(entry["id"], "realised")]
    assert read["sequence"] == 7
    history = [(e["sequence"], e["event_type"]) for e in read["events"]]
    assert history == [
        (1, "PlacementStarted"),
        (2, "ModuleAssessed"),
        (3, "PlacementEnded"),
        (4, "PlacementEndCorrected"),
        (5, "AssessmentCorrected"),
        (6, "ValueAddedCorrected"),
        (7, "PlacementDetailsCorrected"),
    ]
    assert read["events"][2]["payload"]["outcome"] == "A"
    for correction in read["events"][3:]:
        assert (correction["payload"]["reason"], correction["payload"]["corrected_by"]) == (
            REASON,
            "sf",
        )
    assert read["events"][1]["event_id"] == assessment["id"]

    published = [parse_event(d) for d in await placements.published()]
    assert [(e.sequence, e.event_type) for e in published] == history
    identity = await placements.published_identity()
    assert [(d["sequence"], d["payload"]["supervisor_name"]) for d in identity] == [
        (1, "Karin Nilsson"),
        (7, "Per Persson"),
    ]


async def test_a_correction_retried_with_its_key_corrects_once(placements: Placements) -> None:
    async with placements.client() as client:
        placement = await lived(client)
    url = f"/placements/{placement['id']}/corrections/end"
    body = {"end_date": "2026-10-31", "reason": REASON}
    async with placements.client(**{"Idempotency-Key": "rattelse-1"}) as client:
        first, again = [await client.post(url, json=body) for _ in range(2)]
        other = await client.post(url, json={**body, "end_date": "2026-09-30"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    types = [d["event_type"] for d in await placements.published()]
    assert types.count("PlacementEndCorrected") == 1


async def test_a_withdrawn_placement_counts_nowhere_and_refuses_every_change(
    placements: Placements,
) -> None:
    async with placements.client() as client:
        created = (await client.post("/placements", json=registration())).json()
    url = f"/placements/{created['id']}"
    async with placements.client(**{"Idempotency-Key": "makulering-1"}) as client:
        body = {"reason": "Registrerad två gånger"}
        withdrawn, again = [await client.post(f"{url}/withdrawal", json=body) for _ in range(2)]
    assert withdrawn.status_code == again.status_code == 200, withdrawn.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn"] | {"withdrawn_at": None} == {
        "reason": "Registrerad två gånger",
        "withdrawn_by": "sf",
        "withdrawn_at": None,
    }

    async with placements.client() as client:
        refusals = [
            await client.post(f"{url}/end", json={"end_date": "2026-06-30", "outcome": "A"}),
            await client.post(f"{url}/corrections/details", json={"role": "X", "reason": "R"}),
            await client.post(f"{url}/withdrawal", json={"reason": "Igen"}),
        ]
        listed = (await client.get("/placements", params={"status": "withdrawn"})).json()
        active = (await client.get("/placements", params={"status": "active"})).json()
        registered_again = await client.post("/placements", json=registration())
    for refusal in refusals:
        assert refusal.status_code == 409, refusal.text
        assert refusal.json()["detail"][0]["type"] == "placement_withdrawn"
    assert [p["id"] for p in listed["items"]] == [created["id"]]
    assert active["items"] == []
    assert registered_again.status_code == 201  # the withdrawn one is no overlap

    published = [d for d in await placements.published() if d["placement_id"] == created["id"]]
    assert [(d["sequence"], d["event_type"]) for d in published] == [
        (1, "PlacementStarted"),
        (2, "PlacementWithdrawn"),
    ]
    assert published[1]["payload"] == {"reason": "Registrerad två gånger", "withdrawn_by": "sf"}


async def test_refused_corrections_name_what_is_wrong_and_store_nothing(
    placements: Placements,
) -> None:
    async with placements.client() as client:
        placement = await lived(client)
        url = f"/placements/{placement['id']}/corrections"
        missing = "00000000-0000-4000-8000-000000000000"
        answers = {
            "unknown assessment": await client.post(
                f"{url}/assessments/{missing}", json={"level": "B1", "reason": REASON}
            ),
            "unknown entry": await client.post(
                f"{url}/value-added/{missing}", json={"description": "x", "reason": REASON}
            ),
            "unchanged": await client.post(f"{url}/end", json={"outcome": "A", "reason": REASON}),
            "no reason": await client.post(f"{url}/end", json={"outcome": "B"}),
            "future end": await client.post(
                f"{url}/end", json={"end_date": "2030-01-01", "reason": REASON}
            ),
            "personnummer": await client.post(
                f"{url}/details",
                json={"participant": {"personnummer": "19990315-4121"}, "reason": REASON},
            ),
        }
    async with placements.client("kf") as other:
        foreign = await other.post(f"{url}/end", json={"outcome": "B", "reason": REASON})

    def error(name: str) -> tuple[int, list[str], str]:
        [detail] = answers[name].json()["detail"]
        return answers[name].status_code, detail["loc"], detail["type"]

    assert error("unknown assessment") == (404, ["path", "assessment_id"], "not_found")
    assert error("unknown entry") == (404, ["path", "entry_id"], "not_found")
    assert error("unchanged") == (422, ["body"], "unchanged")
    assert error("no reason") == (422, ["body", "reason"], "missing")
    assert error("future end") == (422, ["body", "end_date"], "future_date")
    assert error("personnummer") == (
        422,
        ["body", "participant", "personnummer"],
        "extra_forbidden",
    )
    assert foreign.status_code == 404
    assert len(await placements.published()) == 3  # what lived() sent, nothing more


async def test_stored_placements_get_the_ids_of_their_facts_from_the_history(
    placements: Placements,
) -> None:
    """Migration 003 on a placement stored before assessments and mervärde entries had ids
    gives them the ids the contract derives (checked against what the service gives now)."""
    async with placements.client() as client:
        placement = await lived(client)
        url = f"/placements/{placement['id']}"
        corrected = await client.post(  # a realised entry after the planned one
            f"{url}/corrections/details",
            json={"planned_end_date": "2027-06-30", "reason": REASON},
        )
        assert corrected.status_code == 200, corrected.text
    async with placements.pool.acquire() as conn:  # one more entry, as if recorded earlier
        await conn.execute(
            """UPDATE placements SET data = jsonb_set(data, '{value_added}',
                   data->'value_added' || jsonb_build_array(jsonb_build_object(
                       'id', (SELECT event_id FROM placement_events WHERE sequence = 4),
                       'stage', 'realised', 'beneficiary', 'individual',
                       'category', 'sprakutveckling', 'description', '')))"""
        )
        await conn.execute(
            "UPDATE placement_events SET event_type = 'ValueAddedRecorded' WHERE sequence = 4"
        )
    async with placements.pool.acquire() as conn:
        before = json.loads(await conn.fetchval("SELECT data FROM placements"))
        await conn.execute(
            """UPDATE placements SET data = jsonb_set(jsonb_set(data, '{assessments}',
                   (SELECT jsonb_agg(a - 'id') FROM jsonb_array_elements(data->'assessments') a)),
                   '{value_added}',
                   (SELECT jsonb_agg(v - 'id') FROM jsonb_array_elements(data->'value_added') v))"""
        )
        stripped = json.loads(await conn.fetchval("SELECT data FROM placements"))
        assert "id" not in stripped["assessments"][0]
        migration = files("placements") / "migrations" / "003_fact_ids.sql"
        await conn.execute(migration.read_text(encoding="utf-8"))
        after = json.loads(await conn.fetchval("SELECT data FROM placements"))
    assert after == before
    assert len(after["value_added"]) == 2
    async with placements.client() as client:
        assert (await client.get(url)).json()["assessments"] == placement["assessments"]
