"""The access log of personal data in the certificates service: every route that hands out
the participant's name (a PDF, the verification page's answer), found in the OpenAPI document,
records the read; the public's reads of the verification page too."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from tests.identity_routes import identity_routes
from tests.integration.certificates.conftest import Service, placement

pytestmark = pytest.mark.integration

Call = Callable[[Service, uuid.UUID], Awaitable[tuple[httpx.Response, str | None]]]
"""Calls a route for the certificate; answers the response and who should be logged."""


async def pdf(service: Service, certificate_id: uuid.UUID) -> tuple[httpx.Response, str | None]:
    async with service.client("sf") as sf:
        return await sf.get(f"/certificates/{certificate_id}/pdf"), "sf"


async def page(service: Service, certificate_id: uuid.UUID) -> tuple[httpx.Response, str | None]:
    async with service.client(None) as anyone:
        return await anyone.get(f"/verify/{certificate_id}", params={"format": "json"}), None


async def presented(
    service: Service, certificate_id: uuid.UUID
) -> tuple[httpx.Response, str | None]:
    async with service.client("sf") as sf:
        credential: dict[str, Any] = (
            await sf.get(f"/certificates/{certificate_id}/credential")
        ).json()
    async with service.client(None) as anyone:
        return await anyone.post("/verify", json=credential), None


CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/certificates/{certificate_id}/pdf"): pdf,
    ("GET", "/verify/{certificate_id}"): page,
    ("POST", "/verify"): presented,
}


PROVEN_ELSEWHERE = {
    # asked by the placements service: tests/integration/test_personal_data.py
    ("POST", "/participants/register-extract"),
}


async def logged(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch("SELECT * FROM access_log ORDER BY id")
    return rows


async def test_every_route_that_hands_out_the_name_logs_the_read(service: Service) -> None:
    routes = identity_routes(service.app.openapi())
    assert routes - {*CALLS, *PROVEN_ELSEWHERE} == set(), (
        "identity routes without an access-log test: add them"
    )
    p = placement()
    await service.publish_placement(p)
    certificate_id = await service.issued(p.placement_id)
    for (method, template), call in CALLS.items():
        before = len(await logged(service.pool))
        response, organisation = await call(service, certificate_id)
        assert response.status_code == 200, (template, response.text)
        rows = await logged(service.pool)
        assert len(rows) == before + 1, f"{method} {template} logged no read"
        row = rows[-1]
        assert row["action"] == f"{method} {template}"
        assert row["organisation"] == organisation
        assert row["who"] == (organisation or "public")
        assert row["placement_ids"] == [p.placement_id]
        assert row["owners"] == ["sf"]


async def test_a_forvaltning_reads_the_log_of_its_certificates(service: Service) -> None:
    p = placement()
    await service.publish_placement(p)
    certificate_id = await service.issued(p.placement_id)
    await page(service, certificate_id)
    async with service.client("sf") as sf, service.client("kf") as kf:
        ours = (await sf.get("/access-log")).json()["items"]
        theirs = (await kf.get("/access-log")).json()["items"]
    assert [(i["who"], i["placement_ids"]) for i in ours] == [("public", [str(p.placement_id)])]
    assert theirs == []
