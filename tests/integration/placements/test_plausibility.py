"""Each plausibility rule over HTTP: the answer names the field (``loc``) and the rule
(``type``), and nothing was stored and nothing published. The service's clock is pinned to
``TODAY`` (2027-06-30) by the fixture."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.placements.conftest import Placements, registration
from tools.samples import personnummer

pytestmark = pytest.mark.integration


async def stored(placements: Placements) -> tuple[int, int, int]:
    """Rows of placements, of their history and of the outbox (every event ever emitted)."""
    async with placements.pool.acquire() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM placements"),
            await conn.fetchval("SELECT count(*) FROM placement_events"),
            await conn.fetchval("SELECT count(*) FROM outbox"),
        )


async def refused(
    placements: Placements, path: str, body: dict[str, Any], status: int = 422
) -> dict[str, Any]:
    """POST ``body``: refused with ``status``, with nothing stored and nothing published."""
    await placements.published()  # what came before is out of the way
    before = await stored(placements)
    async with placements.client() as client:
        response = await client.post(path, json=body)
    assert response.status_code == status, response.text
    assert await stored(placements) == before, "nothing stored, no outbox row"
    assert await placements.published() == [], "no event"
    [error] = response.json()["detail"]
    return dict(error)


async def registered(placements: Placements, **overrides: Any) -> str:
    async with placements.client() as client:
        response = await client.post("/placements", json=registration(**overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def named(error: dict[str, Any]) -> tuple[list[str], str]:
    return error["loc"], error["type"]


@pytest.mark.parametrize(
    ("overrides", "loc", "rule"),
    [
        (
            {"start_date": "1996-01-12", "planned_end_date": "1996-12-31"},
            ["body", "start_date"],
            "start_date_window",
        ),
        ({"planned_end_date": "2029-12-31"}, ["body", "planned_end_date"], "max_duration"),
        (
            {
                "participant": {
                    "personnummer": personnummer("20120101"),
                    "given_name": "Ung",
                    "family_name": "Person",
                }
            },
            ["body", "participant", "personnummer"],
            "age_range",
        ),
    ],
)
async def test_an_implausible_registration_is_refused(
    placements: Placements, overrides: dict[str, Any], loc: list[str], rule: str
) -> None:
    error = await refused(placements, "/placements", registration(**overrides))
    assert named(error) == (loc, rule)


@pytest.mark.parametrize(
    ("path", "body", "field", "rule"),
    [
        ("planned-end", {"planned_end_date": "2028-06-30"}, "planned_end_date", "max_duration"),
        ("planned-end", {"planned_end_date": "2026-01-11"}, "planned_end_date", "dates_in_order"),
        ("end", {"end_date": "2026-01-11", "outcome": "A"}, "end_date", "dates_in_order"),
        ("end", {"end_date": "2027-07-01", "outcome": "A"}, "end_date", "future_date"),
        (
            "assessments",
            {"module": "sprak", "level": "B1", "assessed_on": "2027-02-15", "assessor": "x"},
            "assessed_on",
            "after_placement",
        ),
        (
            "assessments",
            {"module": "sprak", "level": "B1", "assessed_on": "2027-07-01", "assessor": "x"},
            "assessed_on",
            "future_date",
        ),
        (
            "assessments",
            {"module": "sprak", "level": "B1", "assessed_on": "2026-01-11", "assessor": "x"},
            "assessed_on",
            "dates_in_order",
        ),
    ],
)
async def test_an_implausible_change_is_refused(
    placements: Placements, path: str, body: dict[str, Any], field: str, rule: str
) -> None:
    placement = await registered(placements)  # an extratjänst 2026-01-12 – 2026-12-31
    error = await refused(placements, f"/placements/{placement}/{path}", body)
    assert named(error) == (["body", field], rule)


async def test_a_second_active_placement_is_a_409_naming_the_first(placements: Placements) -> None:
    first = await registered(placements)
    again = registration(start_date="2026-03-01", planned_end_date="2026-09-30")
    error = await refused(placements, "/placements", again, status=409)
    assert named(error) == (["body", "participant", "personnummer"], "overlapping_placement")
    assert error["ctx"] == {"existing_placement_id": first}
    assert first in error["msg"]
    assert await registered(placements, **again, overlap_intended=True) != first


async def test_the_openapi_document_has_the_409_and_the_overlap_field(
    placements: Placements,
) -> None:
    async with placements.client() as client:
        document = (await client.get("/openapi.json")).json()
    register = document["paths"]["/placements"]["post"]
    assert "409" in register["responses"]
    assert "overlapping" in register["responses"]["409"]["description"]
    body = document["components"]["schemas"]["RegisterPlacement"]["properties"]
    assert body["overlap_intended"]["default"] is False
