"""Förvaltning systems call with access tokens from the city's OpenID Connect provider: a real
provider process, its keys fetched by the service, its tokens minted through its endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.oidc_provider import Provider, running_provider
from tests.integration.placements.conftest import Placements, registration, running_placements

pytestmark = pytest.mark.integration

AUDIENCE = "placements-api"
SF = {"roles": ["förvaltning"], "org": "sf"}
KF = {"roles": ["förvaltning"], "org": "kf"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as started:
        yield started


async def signed_in(
    provider: Provider, amqp_url: str, database_url: str, **settings: Any
) -> AsyncIterator[Placements]:
    async with running_placements(
        amqp_url, database_url, oidc_issuer=provider.issuer, oidc_audience=AUDIENCE, **settings
    ) as service:
        yield service


@pytest.fixture
async def placements(
    provider: Provider, amqp_url: str, database_url: str
) -> AsyncIterator[Placements]:
    async for service in signed_in(provider, amqp_url, database_url):
        yield service


def client(placements: Placements, token: str) -> httpx.AsyncClient:
    return placements.client(None, Authorization=f"Bearer {token}")


async def test_a_valid_access_token_is_accepted(placements: Placements, provider: Provider) -> None:
    token = provider.token("system-sf", audience=AUDIENCE, **SF)
    async with client(placements, token) as sf:
        created = await sf.post("/placements", json=registration())
        listed = await sf.get("/placements")
    assert created.status_code == 201, created.text
    assert [p["id"] for p in listed.json()["items"]] == [created.json()["id"]]


async def test_another_forvaltnings_token_does_not_reach_the_placement(
    placements: Placements, provider: Provider
) -> None:
    sf_token = provider.token("system-sf", audience=AUDIENCE, **SF)
    kf_token = provider.token("system-kf", audience=AUDIENCE, **KF)
    async with client(placements, sf_token) as sf, client(placements, kf_token) as kf:
        created = (await sf.post("/placements", json=registration())).json()
        theirs = await kf.get(f"/placements/{created['id']}")
        listed = await kf.get("/placements")
    assert theirs.status_code == 404
    assert listed.status_code == 200
    assert listed.json()["items"] == []


async def test_a_token_for_another_audience_is_invalid(
    placements: Placements, provider: Provider
) -> None:
    token = provider.token("system-sf", audience="another-api", **SF)
    async with client(placements, token) as caller:
        answer = await caller.get("/placements")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_token_without_the_role_is_forbidden(
    placements: Placements, provider: Provider
) -> None:
    supervisor = provider.token("a-supervisor", audience=AUDIENCE, roles=["supervisor"])
    no_organisation = provider.token("system-x", audience=AUDIENCE, roles=["förvaltning"])
    for token in (supervisor, no_organisation):
        async with client(placements, token) as caller:
            answer = await caller.get("/placements")
        assert answer.status_code == 403, answer.text


async def test_an_expired_token_is_invalid(amqp_url: str, database_url: str) -> None:
    with running_provider("--token-max-age", "1") as short_lived:
        token = short_lived.token("system-sf", audience=AUDIENCE, **SF)
        async for service in signed_in(short_lived, amqp_url, database_url, oidc_leeway_seconds=1):
            async with client(service, token) as caller:
                fresh = await caller.get("/placements")
                await asyncio.sleep(3)
                expired = await caller.get("/placements")
    assert fresh.status_code == 200
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_key_rotated_at_the_provider_is_fetched(amqp_url: str, database_url: str) -> None:
    with running_provider() as rotating:
        before = rotating.token("system-sf", audience=AUDIENCE, **SF)
        async for service in signed_in(rotating, amqp_url, database_url):
            async with client(service, before) as caller:
                assert (await caller.get("/placements")).status_code == 200  # keys now cached
            rotating.restart()
            after = rotating.token("system-sf", audience=AUDIENCE, **SF)
            async with client(service, after) as caller:
                rotated = await caller.get("/placements")
            async with client(service, before) as caller:
                retired = await caller.get("/placements")
    assert rotated.status_code == 200, "the new key was fetched on a token it did not know"
    assert retired.status_code == 401, "a key the provider no longer publishes is not trusted"


async def test_static_tokens_can_be_switched_off(
    provider: Provider, amqp_url: str, database_url: str
) -> None:
    async for service in signed_in(provider, amqp_url, database_url, static_tokens=False):
        async with service.client("sf") as static:
            answer = await static.get("/placements")
    assert answer.status_code == 401


async def test_the_openapi_document_declares_both_schemes(
    placements: Placements, provider: Provider
) -> None:
    async with placements.client(None) as anonymous:
        document = (await anonymous.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["OpenIdConnect"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": f"{provider.issuer}/.well-known/openid-configuration",
    }
    listing = document["paths"]["/placements"]["get"]
    assert {"OpenIdConnect": []} in listing["security"]


async def test_the_access_log_names_the_signed_in_user_and_an_admin_reads_it_all(
    placements: Placements, provider: Provider
) -> None:
    user = provider.token("anna.berg@sf", audience=AUDIENCE, **SF)
    admin = provider.token("ada@stad", audience=AUDIENCE, roles=["admin"])
    async with client(placements, user) as sf, client(placements, admin) as city:
        created = (await sf.post("/placements", json=registration())).json()
        await sf.get(f"/placements/{created['id']}")
        everything = (await city.get("/access-log")).json()["items"]
        refused = await city.get("/placements")
    assert [(i["who"], i["role"], i["organisation"]) for i in everything] == [
        ("anna.berg@sf", "förvaltning", "sf")
    ] * 2
    assert refused.status_code == 403, "an admin reads the log, not the placements"
