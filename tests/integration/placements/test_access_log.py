"""The access log of personal data in the placements service: every route that hands out a
participant's identity (found in the OpenAPI document, so that a new one cannot be forgotten)
records who read which placement, through which route; a förvaltning reads its own log, an
admin all of it; and the log cannot be changed or emptied, even by the service's own role."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from runtime.http.auth import token_hash
from tests.identity_routes import identity_routes
from tests.integration.placements.conftest import (
    Placements,
    participant,
    registration,
    running_placements,
)

pytestmark = pytest.mark.integration

ADMIN_TOKEN = secrets.token_urlsafe(32)
REASON = "Fel uppgift vid registreringen"


@pytest.fixture
async def placements(amqp_url: str, database_url: str) -> AsyncIterator[Placements]:
    async with running_placements(
        amqp_url, database_url, admins=[token_hash(ADMIN_TOKEN)]
    ) as service:
        yield service


def admin(placements: Placements) -> httpx.AsyncClient:
    return placements.client(None, Authorization=f"Bearer {ADMIN_TOKEN}")


@dataclass
class Ids:
    """What the calls learn as they go: the placement and its facts."""

    placement: str = ""
    assessment: str = ""
    entry: str = ""
    seen: dict[str, Any] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(
            placement_id=self.placement, assessment_id=self.assessment, entry_id=self.entry
        )


Call = Callable[[httpx.AsyncClient, str, Ids], Awaitable[httpx.Response]]


def post(body: dict[str, Any]) -> Call:
    async def call(client: httpx.AsyncClient, path: str, ids: Ids) -> httpx.Response:
        return await client.post(path, json=body)

    return call


async def get(client: httpx.AsyncClient, path: str, ids: Ids) -> httpx.Response:
    return await client.get(path)


PERSON = registration()["participant"]["personnummer"]
CALLS: list[tuple[str, str, Call]] = [
    ("POST", "/placements", post(registration())),
    ("POST", "/placements/{placement_id}/planned-end", post({"planned_end_date": "2027-01-31"})),
    (
        "POST",
        "/placements/{placement_id}/value-added",
        post({"beneficiary": "individual", "category": "arbetslivserfarenhet"}),
    ),
    (
        "POST",
        "/placements/{placement_id}/assessments",
        post({"module": "sprak", "level": "A2", "assessed_on": "2026-03-01", "assessor": "h"}),
    ),
    (
        "POST",
        "/placements/{placement_id}/assessment-rounds",
        post(
            {
                "assessed_on": "2026-04-01",
                "assessor": "handledare",
                "modules": [{"module": "sprak", "level": "B1"}],
            }
        ),
    ),
    ("GET", "/placements", get),
    ("GET", "/placements/{placement_id}", get),
    ("POST", "/participants/search", post({"personnummer": PERSON})),
    ("POST", "/placements/{placement_id}/end", post({"end_date": "2026-12-18", "outcome": "A"})),
    (
        "POST",
        "/placements/{placement_id}/corrections/end",
        post({"outcome": "B", "reason": REASON}),
    ),
    (
        "POST",
        "/placements/{placement_id}/corrections/assessments/{assessment_id}",
        post({"level": "A1", "reason": REASON}),
    ),
    (
        "POST",
        "/placements/{placement_id}/corrections/value-added/{entry_id}",
        post({"description": "Rättad", "reason": REASON}),
    ),
    (
        "POST",
        "/placements/{placement_id}/corrections/details",
        post({"role": "Bokbussvärd", "reason": REASON}),
    ),
    ("POST", "/placements/{placement_id}/withdrawal", post({"reason": REASON})),
]


async def logged(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch("SELECT * FROM access_log ORDER BY id")
    return rows


PROVEN_ELSEWHERE = {
    # needs the certificates service beside it: tests/integration/test_personal_data.py
    ("POST", "/participants/register-extract"),
}


async def test_every_route_that_hands_out_identity_logs_the_read(placements: Placements) -> None:
    routes = identity_routes(placements.app.openapi())
    called = {(method, path) for method, path, _ in CALLS} | PROVEN_ELSEWHERE
    assert routes - called == set(), "identity routes without an access-log test: add them"
    assert ("POST", "/placements") in routes
    assert ("GET", "/placements/{placement_id}") in routes
    ids = Ids()
    async with placements.client("sf", **{"X-Correlation-ID": "read-1"}) as sf:
        for method, template, call in CALLS:
            before = len(await logged(placements.pool))
            response = await call(sf, ids.path(template), ids)
            assert response.status_code in (200, 201), (template, response.text)
            learn(ids, response.json())
            rows = await logged(placements.pool)
            assert len(rows) == before + 1, f"{method} {template} logged no read"
            row = rows[-1]
            assert row["action"] == f"{method} {template}"
            assert (row["who"], row["role"], row["organisation"]) == ("sf", "förvaltning", "sf")
            assert row["placement_ids"] == [uuid.UUID(ids.placement)]
            assert row["owners"] == ["sf"]
            assert row["correlation_id"] == "read-1"


def learn(ids: Ids, body: dict[str, Any]) -> None:
    placement = body["items"][0] if "items" in body else body
    ids.placement = placement["id"]
    if placement["assessments"]:
        ids.assessment = placement["assessments"][0]["id"]
    if placement["value_added"]:
        ids.entry = placement["value_added"][0]["id"]


async def test_a_replayed_answer_is_logged_too(placements: Placements) -> None:
    async with placements.client("sf", **{"Idempotency-Key": "once"}) as sf:
        first = await sf.post("/placements", json=registration())
        again = await sf.post("/placements", json=registration())
    assert again.headers["Idempotent-Replayed"] == "true"
    rows = await logged(placements.pool)
    assert [r["placement_ids"] for r in rows] == [[uuid.UUID(first.json()["id"])]] * 2


async def test_a_forvaltning_reads_its_own_log_and_an_admin_all(placements: Placements) -> None:
    async with placements.client("sf") as sf, placements.client("kf") as kf:
        ours = (await sf.post("/placements", json=registration())).json()["id"]
        theirs = (await kf.post("/placements", json=registration())).json()["id"]
        for _ in range(3):
            await sf.get(f"/placements/{ours}")
        own = (await sf.get("/access-log", params={"limit": 2})).json()
        older = (await sf.get("/access-log", params={"cursor": own["next_cursor"]})).json()
        by_placement = (await kf.get("/access-log", params={"placement_id": ours})).json()
    assert [i["placement_ids"] for i in own["items"] + older["items"]] == [[ours]] * 4
    assert older["next_cursor"] is None
    assert by_placement["items"] == [], "kf never sees sf's reads"
    async with admin(placements) as city:
        everything = (await city.get("/access-log")).json()["items"]
    assert {i["placement_ids"][0] for i in everything} == {ours, theirs}
    async with placements.client(None) as anonymous:
        assert (await anonymous.get("/access-log")).status_code == 401


async def test_the_time_filter_and_bad_parameters(placements: Placements) -> None:
    async with placements.client("sf") as sf:
        await sf.post("/placements", json=registration(participant=participant(1)))
        future = await sf.get("/access-log", params={"since": "2999-01-01T00:00:00Z"})
        past = await sf.get("/access-log", params={"until": "2000-01-01T00:00:00+01:00"})
        naive = await sf.get("/access-log", params={"since": "2026-01-01T00:00:00"})
        bad = await sf.get("/access-log", params={"cursor": "0"})
    assert future.json()["items"] == []
    assert past.json()["items"] == []
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"] == ["query", "since"]
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "cursor"]


async def test_the_log_is_append_only_in_the_database(placements: Placements) -> None:
    async with placements.client("sf") as sf:
        await sf.post("/placements", json=registration())
    for statement in ("UPDATE access_log SET who = 'x'", "DELETE FROM access_log"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await placements.pool.execute(statement)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await placements.pool.execute("TRUNCATE access_log")
    assert len(await logged(placements.pool)) == 1


async def test_a_search_that_finds_no_one_is_in_the_searchers_log(placements: Placements) -> None:
    async with placements.client("sf") as sf, placements.client("kf") as kf:
        found = await sf.post("/participants/search", json={"personnummer": PERSON})
        own = (await sf.get("/access-log")).json()["items"]
        theirs = (await kf.get("/access-log")).json()["items"]
    assert found.json()["items"] == []
    assert [(i["action"], i["placement_ids"]) for i in own] == [("POST /participants/search", [])]
    assert theirs == []
