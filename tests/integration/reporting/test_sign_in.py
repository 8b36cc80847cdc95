"""People sign in to the dashboard in a browser at the city's OpenID Connect provider: a real
provider process (``oidc-provider-mock``), the browser played by httpx step by step (the
service's redirect, the provider's login form, the callback), and the demo's own form where
there is no provider.

The mock issues codes for any client with any secret (it refuses public clients) and does not
itself check the PKCE verifier, so the tests check that the service asks with an S256
challenge; the state and the ID token (signature, issuer, audience, nonce) are checked by the
service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.integration.oidc_provider import Provider, running_provider
from tests.integration.reporting.conftest import Reporting, running_reporting

pytestmark = pytest.mark.integration

SERVICE = "https://reporting.test"
CLIENT_ID = "reporting-dashboard"
ANALYST = {"roles": ["asf-analyst"], "name": "Alva Analytiker"}
ADMIN = {"roles": ["admin", "asf-analyst"], "name": "Adam Admin"}
SUPERVISOR = {"roles": ["supervisor"], "org": "sf", "name": "Sara Handledare"}
DASHBOARD = "/dashboard?kind=year&year=2026"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as started:
        yield started


@pytest.fixture
async def reporting(
    provider: Provider, amqp_url: str, database_url: str
) -> AsyncIterator[Reporting]:
    async with running_reporting(
        amqp_url,
        database_url,
        oidc_issuer=provider.issuer,
        oidc_audience="reporting-api",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret="any",  # the mock takes any secret, and refuses public clients
        session_secret="a-session-secret-for-the-test-only",
    ) as service:
        yield service


@asynccontextmanager
async def browser(reporting: Reporting) -> AsyncIterator[httpx.AsyncClient]:
    """A browser: the service in-process at ``SERVICE`` (over https, so the Secure cookie is
    sent), the provider over the network; redirects are followed by the tests, one by one."""
    async with httpx.AsyncClient(
        mounts={SERVICE: httpx.ASGITransport(app=reporting.app)},
        headers={"Accept": "text/html"},
        timeout=30,
    ) as client:
        yield client


async def start(client: httpx.AsyncClient, next_path: str = DASHBOARD) -> httpx.URL:
    """The service's redirect to the provider's authorization endpoint."""
    answer = await client.get(f"{SERVICE}/sign-in", params={"next": next_path})
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


async def log_in_at_provider(client: httpx.AsyncClient, authorize: httpx.URL, sub: str) -> str:
    """The provider's form, filled in with ``sub``: the callback URL it sends the browser to."""
    form = await client.get(authorize)
    assert form.status_code == 200
    assert 'name="sub"' in form.text
    granted = await client.post(authorize, data={"sub": sub})
    assert granted.status_code == 302, granted.text
    return granted.headers["location"]


async def sign_in(
    client: httpx.AsyncClient,
    provider: Provider,
    sub: str,
    claims: dict[str, Any],
    next_path: str = DASHBOARD,
) -> httpx.Response:
    """The whole flow; the service's answer to the callback."""
    provider.add_user(sub, **claims)
    callback = await log_in_at_provider(client, await start(client, next_path), sub)
    return await client.get(callback)


async def test_an_analyst_signs_in_with_pkce_and_lands_on_the_dashboard(
    reporting: Reporting, provider: Provider
) -> None:
    async with browser(reporting) as client:
        first = await client.get(f"{SERVICE}{DASHBOARD}")
        assert first.status_code == 303
        assert first.headers["location"] == "/sign-in?next=%2Fdashboard%3Fkind%3Dyear%26year%3D2026"
        authorize = await start(client)
        provider.add_user("alva", **ANALYST)
        callback = await client.get(await log_in_at_provider(client, authorize, "alva"))
        dashboard = await client.get(f"{SERVICE}{callback.headers['location']}")
        report = await client.get(f"{SERVICE}/report", headers={"Accept": "application/json"})

    assert authorize.params["code_challenge_method"] == "S256"
    assert len(authorize.params["code_challenge"]) == 43  # base64url of a SHA-256
    assert authorize.params["client_id"] == CLIENT_ID
    assert authorize.params["state"]
    assert authorize.params["nonce"]
    assert authorize.params["redirect_uri"] == f"{SERVICE}/sign-in/callback"
    assert callback.status_code == 303, callback.text
    assert callback.headers["location"] == DASHBOARD
    assert dashboard.status_code == 200
    assert "Inloggad som Alva Analytiker" in dashboard.text
    assert 'action="/sign-out"' in dashboard.text
    assert report.status_code == 200


async def test_a_callback_with_another_state_is_refused(
    reporting: Reporting, provider: Provider
) -> None:
    provider.add_user("alva", **ANALYST)
    async with browser(reporting) as client:
        callback = httpx.URL(await log_in_at_provider(client, await start(client), "alva"))
        forged = await client.get(callback.copy_set_param("state", "not-the-one-sent"))
        still_out = await client.get(f"{SERVICE}{DASHBOARD}")
    async with browser(reporting) as stranger:  # a code pushed into someone else's browser
        planted = await stranger.get(callback)
    assert forged.status_code == 400
    assert "mismatching_state" in forged.json()["detail"]
    assert still_out.status_code == 303
    assert planted.status_code == 400


async def test_a_user_without_the_analyst_role_gets_403(
    reporting: Reporting, provider: Provider
) -> None:
    async with browser(reporting) as client:
        signed = await sign_in(client, provider, "sara", SUPERVISOR)
        dashboard = await client.get(f"{SERVICE}{DASHBOARD}")
        export = await client.get(f"{SERVICE}/report.csv")
    assert signed.status_code == 303
    assert dashboard.status_code == 403
    assert export.status_code == 403
    assert "asf-analyst" in export.json()["detail"]


async def test_changing_reference_data_needs_the_admin_role(
    reporting: Reporting, provider: Provider
) -> None:
    change = {"placements": {"ks": 4}}
    async with browser(reporting) as analyst:
        await sign_in(analyst, provider, "alva", ANALYST)
        refused = await analyst.put(f"{SERVICE}/reference/targets/2027", json=change)
    async with browser(reporting) as admin:
        await sign_in(admin, provider, "adam", ADMIN)
        changed = await admin.put(f"{SERVICE}/reference/targets/2027", json=change)
    assert refused.status_code == 403
    assert changed.status_code == 200, changed.text


async def test_sign_out_ends_the_session(reporting: Reporting, provider: Provider) -> None:
    async with browser(reporting) as client:
        await sign_in(client, provider, "alva", ANALYST)
        before = await client.get(f"{SERVICE}{DASHBOARD}")
        out = await client.post(f"{SERVICE}/sign-out")
        after = await client.get(f"{SERVICE}{DASHBOARD}")
    assert before.status_code == 200
    assert out.status_code == 200
    assert "Du har loggat ut" in out.text
    assert after.status_code == 303
    assert after.headers["location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/dashboard", "//evil.example", "/\\evil.example"]
)
async def test_next_leading_to_another_site_is_refused(
    reporting: Reporting, elsewhere: str
) -> None:
    async with browser(reporting) as client:
        answer = await client.get(f"{SERVICE}/sign-in", params={"next": elsewhere})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "next"]
    assert "location" not in answer.headers


async def test_a_bearer_token_from_the_provider_reads_the_report(
    reporting: Reporting, provider: Provider
) -> None:
    token = provider.token("a-tool", audience="reporting-api", roles=["asf-analyst"])
    bearer = {"Authorization": f"Bearer {token}"}
    async with reporting.client(anonymous=True) as client:
        answer = await client.get("/report", headers=bearer)
        page = await client.get("/dashboard", headers={**bearer, "Accept": "text/html"})
        nobody = await client.get("/report")
    assert answer.status_code == 200
    assert page.status_code == 200
    assert "Inloggad som a-tool" in page.text
    assert 'action="/sign-out"' not in page.text, "no session to end"
    assert nobody.status_code == 401


async def test_the_openapi_document_declares_every_scheme(
    reporting: Reporting, provider: Provider
) -> None:
    async with reporting.client(anonymous=True) as client:
        document = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["BrowserSession"]["type"] == "apiKey"
    assert schemes["BrowserSession"]["in"] == "cookie"
    assert schemes["BrowserSession"]["name"] == "reporting_session"
    assert schemes["OpenIdConnect"]["openIdConnectUrl"].startswith(provider.issuer)
    for path, method in (("/report", "get"), ("/dashboard", "get"), ("/report.csv", "get")):
        security = document["paths"][path][method]["security"]
        assert {"HTTPBearer": []} in security
        assert {"BrowserSession": []} in security
        assert {"OpenIdConnect": []} in security


# --- the demo, without a provider ----------------------------------------------------------


async def test_the_demo_sign_in_is_off_by_default(amqp_url: str, database_url: str) -> None:
    async with running_reporting(amqp_url, database_url) as service, browser(service) as client:
        form = await client.get(f"{SERVICE}/sign-in")
        dashboard = await client.get(f"{SERVICE}{DASHBOARD}")
    assert form.status_code == 404
    assert dashboard.status_code == 303, "the dashboard still asks to sign in"


async def test_the_demo_sign_in_works_when_on(amqp_url: str, database_url: str) -> None:
    async with (
        running_reporting(amqp_url, database_url, demo_sign_in=True) as service,
        browser(service) as client,
    ):
        form = await client.get(f"{SERVICE}/sign-in", params={"next": DASHBOARD})
        chosen = {"role": "asf-analyst", "name": "Demo Analytiker", "next": DASHBOARD}
        signed = await client.post(f"{SERVICE}/sign-in", data=chosen)
        dashboard = await client.get(f"{SERVICE}{signed.headers['location']}")
    assert form.status_code == 200
    assert "Demoinloggning" in form.text
    assert signed.status_code == 303
    assert dashboard.status_code == 200
    assert "Inloggad som Demo Analytiker" in dashboard.text
