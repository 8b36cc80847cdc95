"""A retried request never creates twice."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.placements.conftest import Placements, registration

pytestmark = pytest.mark.integration


async def test_same_key_same_body_returns_the_first_response(placements: Placements) -> None:
    async with placements.client(**{"Idempotency-Key": "reg-1"}) as client:
        first = await client.post("/placements", json=registration())
        again = await client.post("/placements", json=registration())
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    async with placements.client() as client:
        assert len((await client.get("/placements")).json()["items"]) == 1
    assert [e["event_type"] for e in await placements.published()] == ["PlacementStarted"]


async def test_same_key_other_body_is_a_conflict(placements: Placements) -> None:
    async with placements.client(**{"Idempotency-Key": "reg-2"}) as client:
        await client.post("/placements", json=registration())
        other = await client.post("/placements", json=registration(employment_rate=50))
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]


async def test_keys_belong_to_one_forvaltning(placements: Placements) -> None:
    headers = {"Idempotency-Key": "shared"}
    async with placements.client("sf", **headers) as sf, placements.client("kf", **headers) as kf:
        a = await sf.post("/placements", json=registration())
        b = await kf.post("/placements", json=registration())
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_concurrent_retries_create_once(placements: Placements) -> None:
    async with placements.client(**{"Idempotency-Key": "reg-3"}) as client:
        responses = await asyncio.gather(
            *(client.post("/placements", json=registration()) for _ in range(5))
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await placements.published()) == 1


async def test_commands_on_a_placement_are_idempotent_too(placements: Placements) -> None:
    async with placements.client() as client:
        created = (await client.post("/placements", json=registration())).json()
    body = {"module": "sprak", "level": "B1", "assessed_on": "2026-03-01", "assessor": "handledare"}
    async with placements.client(**{"Idempotency-Key": "assess-1"}) as client:
        url = f"/placements/{created['id']}/assessments"
        first, again = [await client.post(url, json=body) for _ in range(2)]
    assert first.status_code == again.status_code == 200
    assert again.json()["sequence"] == first.json()["sequence"] == 2


async def test_concurrent_retries_of_an_end_all_get_the_first_answer(
    placements: Placements,
) -> None:
    """A client retrying while its first attempt still runs: never the business error that
    the first attempt's own success would cause (``placement_ended``)."""
    async with placements.client() as client:
        created = (await client.post("/placements", json=registration())).json()
    body = {"end_date": "2026-06-30", "outcome": "A"}
    url = f"/placements/{created['id']}/end"
    async with placements.client(**{"Idempotency-Key": "end-1"}) as client:
        responses = await asyncio.gather(*(client.post(url, json=body) for _ in range(6)))
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert all(r.json() == responses[0].json() for r in responses)
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
    assert replayed.count("true") == 5
    ended = [e for e in await placements.published() if e["event_type"] == "PlacementEnded"]
    assert len(ended) == 1
