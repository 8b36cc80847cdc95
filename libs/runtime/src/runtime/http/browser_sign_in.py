"""Browser sign-in: a session cookie for people at the pages, beside the bearer tokens of systems.

INTERIM: the shared browser sign-in (OpenID Connect, authorization code with PKCE) is built on
its own branch with these names; until it is merged this module offers only its demo form, so
that the pages and their tests can be written against the same interface.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.middleware.sessions import SessionMiddleware

from runtime.http.auth import ROLE_NAMES, Caller, Credentials, bearer
from runtime.settings import ServiceSettings

SESSION_KEY = "signed_in"


@dataclass(frozen=True)
class SignedInUser:
    subject: str
    name: str | None
    email: str | None
    roles: frozenset[str]
    organisation: str | None


def install_browser_sign_in(app: FastAPI, settings: ServiceSettings) -> None:
    """The session middleware and, where the demo's sign-in is switched on, its form."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    secret = os.environ.get(f"{prefix}SESSION_SECRET") or secrets.token_urlsafe(32)
    app.add_middleware(SessionMiddleware, secret_key=secret, same_site="lax", https_only=False)
    app.state.demo_sign_in = os.environ.get(f"{prefix}DEMO_SIGN_IN", "").lower() in {"1", "true"}
    app.include_router(_router)


def signed_in_user(request: Request) -> SignedInUser | None:
    stored = request.session.get(SESSION_KEY) if "session" in request.scope else None
    if not isinstance(stored, dict):
        return None
    return SignedInUser(
        subject=stored["subject"],
        name=stored.get("name"),
        email=stored.get("email"),
        roles=frozenset(stored.get("roles", [])),
        organisation=stored.get("organisation"),
    )


def signed_in(*roles: str, detail: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller by bearer token, or by the session; a page request without
    either is sent to sign in (303), an API request gets the bearer's 401."""
    by_token = bearer(*roles, detail=detail)

    async def caller(request: Request, credentials: Credentials) -> Caller:
        if credentials is not None:
            return await by_token(request, credentials)
        user = signed_in_user(request)
        if user is None:
            if "text/html" in request.headers.get("accept", ""):
                target = quote(str(request.url.path), safe="/")
                raise HTTPException(
                    status.HTTP_303_SEE_OTHER, headers={"Location": f"/sign-in?next={target}"}
                )
            return await by_token(request, credentials)
        for role in roles:
            if role in user.roles and user.organisation:
                return Caller(role, user.organisation, user.subject)
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role {' or '.join(roles)}")

    return caller


_router = APIRouter(include_in_schema=False)


@_router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    if not request.app.state.demo_sign_in:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no sign-in is configured")
    return HTMLResponse(_DEMO_FORM.format(next=escape(_local(next))))


@_router.post("/sign-in")
async def sign_in(
    request: Request,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    organisation: Annotated[str, Form(min_length=1, max_length=80)],
    role: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    if not request.app.state.demo_sign_in or role not in ROLE_NAMES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no sign-in is configured")
    request.session[SESSION_KEY] = {
        "subject": f"demo:{name}",
        "name": name,
        "email": None,
        "roles": [ROLE_NAMES[role]],
        "organisation": organisation,
    }
    return RedirectResponse(_local(next), status.HTTP_303_SEE_OTHER)


@_router.post("/sign-out")
async def sign_out(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


def _local(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


_DEMO_FORM = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Logga in (demo)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Logga in (demo)</h1>
<form method="post" action="/sign-in">
<input type="hidden" name="next" value="{next}">
<p><label for="name">Namn</label> <input id="name" name="name" required autocomplete="name"></p>
<p><label for="organisation">Förvaltning (kod)</label>
<input id="organisation" name="organisation" required></p>
<p><label for="role">Roll</label> <select id="role" name="role">
<option value="supervisor">Handledare</option><option value="förvaltning">Förvaltning</option>
</select></p>
<p><button type="submit">Logga in</button></p>
</form></main></body></html>
"""
