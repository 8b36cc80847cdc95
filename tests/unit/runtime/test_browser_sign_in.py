"""The browser session of :mod:`runtime.http.browser_sign_in` on a small app, signed in with the
demo form (the provider's flow is tested against a real provider in the reporting service's
integration tests)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from runtime.http.auth import ADMIN, ANALYST, Caller, Clients, token_hash
from runtime.http.browser_sign_in import (
    SignedInUser,
    install_browser_sign_in,
    signed_in,
    signed_in_user,
)
from runtime.settings import ServiceSettings
from tools.sandbox import free_port

ADMIN_TOKEN = "an-admin-token-for-the-test"
Analyst = Annotated[Caller, Depends(signed_in(ANALYST, detail="sign in as an ASF analyst"))]


def app(**settings: Any) -> FastAPI:
    built = FastAPI()
    built.state.clients = {ADMIN: Clients.role(ADMIN, [token_hash(ADMIN_TOKEN)])}
    built.state.access_tokens = None

    @built.get("/figures")
    async def figures(caller: Analyst) -> dict[str, str | None]:
        return {"role": caller.role, "who": caller.who}

    @built.get("/settings")
    async def admin_only(
        caller: Annotated[Caller, Depends(signed_in(ADMIN, detail="admins only"))],
    ) -> dict[str, str]:
        return {"role": caller.role}

    @built.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        user = signed_in_user(request)
        if user is None:
            return {}
        return {"name": user.display_name, "roles": sorted(user.roles), "org": user.organisation}

    install_browser_sign_in(
        built,
        ServiceSettings(service_name="demo", session_secret="s" * 32, **settings),
    )
    return built


def browser(served: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=served),
        base_url="https://service.example",
        headers={"Accept": "text/html"},
    )


def demo_user(role: str = ANALYST, **fields: str) -> dict[str, str]:
    return {"role": role, "name": "Anna Analytiker", "next": "/figures", **fields}


async def test_the_demo_form_is_off_by_default() -> None:
    async with browser(app()) as client:
        form = await client.get("/sign-in")
        posted = await client.post("/sign-in", data=demo_user())
    assert form.status_code == 404
    assert posted.status_code == 404


async def test_a_demo_sign_in_opens_the_route_for_its_role() -> None:
    async with browser(app(demo_sign_in=True)) as client:
        form = await client.get("/sign-in", params={"next": "/figures"})
        signed = await client.post("/sign-in", data=demo_user())
        figures = await client.get("/figures")
        admin = await client.get("/settings")
    assert form.status_code == 200
    assert 'name="next" value="/figures"' in form.text
    assert signed.status_code == 303
    assert signed.headers["location"] == "/figures"
    assert figures.json() == {"role": ANALYST, "who": "demo:Anna Analytiker"}
    assert admin.status_code == 403


async def test_the_session_cookie_is_signed_httponly_lax_and_secure() -> None:
    async with browser(app(demo_sign_in=True)) as client:
        signed = await client.post("/sign-in", data=demo_user())
        cookie = signed.headers["set-cookie"].lower()
        (name,) = client.cookies.keys()
        client.cookies.set(name, client.cookies[name][:-4] + "AAAA", domain="service.example")
        tampered = await client.get("/figures")
    assert cookie.startswith("demo_session=")
    assert {"httponly", "samesite=lax", "secure"} <= {p.strip() for p in cookie.split(";")}
    assert tampered.status_code == 303, "a cookie that fails its signature is no session"


async def test_without_a_session_html_is_sent_to_sign_in_and_others_get_401() -> None:
    served = app(demo_sign_in=True)
    async with browser(served) as client:
        page = await client.get("/figures", params={"year": "2026"})
        api = await client.get("/figures", headers={"Accept": "application/json"})
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Ffigures%3Fyear%3D2026"
    assert api.status_code == 401
    assert api.json() == {"detail": "sign in as an ASF analyst"}


async def test_a_bearer_token_still_works_without_a_session() -> None:
    async with browser(app()) as client:
        answer = await client.get("/settings", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        wrong = await client.get("/settings", headers={"Authorization": "Bearer nope"})
    assert answer.json() == {"role": ADMIN}
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "x"],
)
async def test_sign_in_never_returns_to_another_site(target: str) -> None:
    async with browser(app(demo_sign_in=True)) as client:
        form = await client.get("/sign-in", params={"next": target})
        posted = await client.post("/sign-in", data=demo_user(next=target))
        still_out = await client.get("/figures", headers={"Accept": "application/json"})
    for answer, where in ((form, "query"), (posted, "body")):
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == [where, "next"]
        assert answer.json()["detail"][0]["type"] == "local_path"
    assert still_out.status_code == 401, "a refused sign-in signs nobody in"


async def test_the_demo_form_names_the_field_it_refuses() -> None:
    async with browser(app(demo_sign_in=True)) as client:
        no_role = await client.post("/sign-in", data=demo_user(role="superuser"))
        no_org = await client.post("/sign-in", data=demo_user(role="supervisor"))
        no_name = await client.post("/sign-in", data=demo_user(name="  "))
    assert no_role.json()["detail"][0]["loc"] == ["body", "role"]
    assert no_org.json()["detail"][0]["type"] == "organisation_required"
    assert no_name.json()["detail"][0]["loc"] == ["body", "name"]


async def test_sign_out_ends_the_session() -> None:
    served = app(demo_sign_in=True)
    async with browser(served) as client:
        await client.post("/sign-in", data=demo_user(role=ADMIN))
        before = await client.get("/settings")
        out = await client.post("/sign-out")
        after = await client.get("/settings", headers={"Accept": "application/json"})
    assert before.status_code == 200
    assert out.status_code == 200
    assert after.status_code == 401


async def test_the_signed_in_user_is_readable_by_the_routes() -> None:
    async with browser(app(demo_sign_in=True)) as client:
        anonymous = await client.get("/me")
        await client.post("/sign-in", data=demo_user(role="supervisor", organisation="sf"))
        known = await client.get("/me")
    assert anonymous.json() == {}
    assert known.json() == {"name": "Anna Analytiker", "roles": ["supervisor"], "org": "sf"}


async def test_an_unreachable_provider_is_a_503_to_retry() -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with browser(app(oidc_issuer=nobody)) as client:
        answer = await client.get("/sign-in", params={"next": "/figures"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"


@pytest.mark.parametrize(
    "stored", [None, "alva", {"name": "no subject"}, {"sub": 7}, ["sub", "alva"]]
)
def test_a_session_of_another_shape_reads_as_signed_out(stored: object) -> None:
    assert SignedInUser.from_session(stored) is None


def test_a_session_keeps_only_roles_it_knows() -> None:
    stored = {"sub": "alva", "roles": ["asf-analyst", "superuser"], "org": "", "name": "Alva"}
    user = SignedInUser.from_session(stored)
    assert user == SignedInUser("alva", "Alva", None, frozenset({ANALYST}), None)
    assert SignedInUser.from_session(user.to_session() if user else None) == user
