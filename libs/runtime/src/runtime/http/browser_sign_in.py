"""Sign-in for people in a browser: a signed session cookie, and the routes that fill it.

With an OpenID Connect issuer the browser signs in there: authorization code with PKCE (S256),
state and nonce checked, the ID token verified against the issuer's keys (Authlib's Starlette
client). Without one, where the demo allows it, a form lets anyone pick a role, organisation and
name. The session holds only who signed in (:class:`SignedInUser`), in a cookie signed with
``<PREFIX>_SESSION_SECRET`` (Starlette's ``SessionMiddleware``: HttpOnly, SameSite=Lax, Secure
unless switched off for a demo over http).

Routes ask for a caller with :func:`signed_in`, which also takes a bearer token as
:func:`runtime.http.auth.bearer` does, so API clients keep working.

(No ``from __future__ import annotations``: FastAPI resolves the endpoint annotations at
runtime.)
"""

import secrets
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Security, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import APIKeyCookie
from joserfc.errors import JoseError
from pydantic import ValidationError
from starlette.middleware.sessions import SessionMiddleware

from runtime.http import sign_in_pages
from runtime.http.access_tokens import Claims, claims_of
from runtime.http.auth import (
    PROVIDER_RETRY_AFTER_SECONDS,
    Caller,
    Credentials,
    bearer,
    caller_for,
    forbidden,
    normalised_roles,
    unauthorized,
)
from runtime.http.sign_in_pages import DemoUserIn
from runtime.logging import get_logger
from runtime.settings import ServiceSettings

with warnings.catch_warnings():
    # Authlib 1.x forces its warning that the httpx client moves to httpx2 to "always" show,
    # at import: every process importing the runtime (the operators' CLI before its JSON too)
    # would print it.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError

log = get_logger(__name__)

SIGN_IN = "/sign-in"
BROWSER_SESSION = "BrowserSession"
"""The session cookie's scheme in the OpenAPI document."""
_USER = "signed_in_user"
_NEXT = "sign_in_next"
LOCAL = "local_path"
"""The rule a ``next`` that leads off this service breaks."""


@dataclass(frozen=True)
class SignedInUser:
    subject: str
    """The provider's ``sub`` (``demo:<name>`` for the demo form)."""
    name: str | None
    email: str | None
    roles: frozenset[str]
    """Normalised role names (:data:`runtime.http.auth.ROLE_NAMES`)."""
    organisation: str | None

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.subject

    def claims(self) -> Claims:
        return Claims(roles=self.roles, organisation=self.organisation, subject=self.subject)

    def to_session(self) -> dict[str, Any]:
        return {
            "sub": self.subject,
            "name": self.name,
            "email": self.email,
            "roles": sorted(self.roles),
            "org": self.organisation,
        }

    @classmethod
    def from_session(cls, stored: Any) -> "SignedInUser | None":
        """The user a session names, or None for a session of another shape (an older
        version's): it then reads as signed out rather than failing."""
        if not isinstance(stored, dict) or not isinstance(stored.get("sub"), str):
            return None
        roles = stored.get("roles")
        return cls(
            subject=stored["sub"],
            name=_text(stored.get("name")),
            email=_text(stored.get("email")),
            roles=normalised_roles(roles if isinstance(roles, list) else []),
            organisation=_text(stored.get("org")),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- the two ways to sign in ----------------------------------------------------------------


class SignInFailed(Exception):
    """The provider's answer cannot sign anyone in (state, nonce, token or its claims)."""


class ProviderSignIn:
    """Authorization code with PKCE at the configured issuer."""

    def __init__(self, settings: ServiceSettings, issuer: str) -> None:
        secret = settings.oidc_client_secret
        self._client: Any = OAuth().register(
            name="issuer",
            server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
            client_id=settings.oidc_client_id or settings.oidc_audience or settings.service_name,
            client_secret=secret.get_secret_value() if secret else None,
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
        )
        self._public_url = settings.public_url.rstrip("/") if settings.public_url else None
        self._role_claim = settings.oidc_role_claim
        self._organisation_claim = settings.oidc_organisation_claim
        self._leeway = int(settings.oidc_leeway_seconds)

    async def redirect(self, request: Request) -> Response:
        """To the issuer; Authlib keeps state, nonce and the PKCE verifier in the session."""
        callback = (
            f"{self._public_url}{SIGN_IN}/callback"
            if self._public_url
            else str(request.url_for("sign_in_callback"))
        )
        answer: Response = await self._client.authorize_redirect(request, callback)
        return answer

    async def user(self, request: Request) -> SignedInUser:
        try:
            token = await self._client.authorize_access_token(request, leeway=self._leeway)
        except OAuthError as refused:
            raise SignInFailed(f"{refused.error}: {refused.description or ''}".strip()) from None
        except JoseError as invalid:
            raise SignInFailed(f"the ID token is invalid: {invalid}") from None
        userinfo = token.get("userinfo")
        if not userinfo:
            raise SignInFailed("the provider sent no ID token")
        claims = claims_of(userinfo, self._role_claim, self._organisation_claim)
        if not claims.subject:
            raise SignInFailed("the ID token names no subject")
        return SignedInUser(
            subject=claims.subject,
            name=_text(userinfo.get("name")),
            email=_text(userinfo.get("email")),
            roles=normalised_roles(claims.roles),
            organisation=claims.organisation,
        )


class DemoSignIn:
    """The demo's form: whoever opens it picks who to be. Never where real data is."""


SignInMethod = ProviderSignIn | DemoSignIn


def sign_in_method(settings: ServiceSettings) -> SignInMethod | None:
    if settings.oidc_issuer is not None:
        return ProviderSignIn(settings, settings.oidc_issuer)
    return DemoSignIn() if settings.demo_sign_in else None


# --- installing it --------------------------------------------------------------------------


def install_browser_sign_in(app: FastAPI, settings: ServiceSettings) -> None:
    """The session cookie and the routes ``GET /sign-in?next=…``, ``GET /sign-in/callback``,
    ``POST /sign-in`` (the demo form) and ``POST /sign-out``. With an issuer: authorization code
    with PKCE. Without: the demo form where ``<PREFIX>_DEMO_SIGN_IN`` is on; otherwise the
    sign-in routes answer 404 and only bearer tokens sign in."""
    cookie = f"{settings.service_name}_session"  # services on one host do not share cookies
    app.add_middleware(
        SessionMiddleware,
        secret_key=_session_secret(settings),
        session_cookie=cookie,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    app.state.sign_in = sign_in_method(settings)
    app.include_router(router)
    _declare_session_cookie(app, cookie)


def _session_secret(settings: ServiceSettings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    if settings.oidc_issuer is not None or settings.demo_sign_in:
        log.warning(
            "no session secret configured: a random one for this process, so browser "
            "sessions end at a restart and are not shared between replicas"
        )
    return secrets.token_urlsafe(32)


def _declare_session_cookie(app: FastAPI, cookie: str) -> None:
    """The scheme is declared by the routes' dependency with a placeholder name; the cookie's
    real name is the service's, known only here."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        schemes = document.get("components", {}).get("securitySchemes", {})
        if BROWSER_SESSION in schemes:
            schemes[BROWSER_SESSION]["name"] = cookie
        return document

    app.openapi = openapi  # type: ignore[method-assign]


# --- who is signed in -----------------------------------------------------------------------


def signed_in_user(request: Request) -> SignedInUser | None:
    """The user of the request's browser session, or None (no session, or none installed)."""
    if "session" not in request.scope:
        return None
    return SignedInUser.from_session(request.session.get(_USER))


_session_cookie = APIKeyCookie(
    name="session",
    scheme_name=BROWSER_SESSION,
    description="The browser session after signing in at /sign-in.",
    auto_error=False,
)


def signed_in(*roles: str, detail: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency like :func:`runtime.http.auth.bearer` (a bearer token still works, for API
    clients) that also accepts the browser session. No session: an HTML request is redirected
    303 to ``/sign-in?next=<path>``, others get 401. Session without the role: 403."""
    with_token = bearer(*roles, detail=detail)

    async def authenticated(
        request: Request,
        credentials: Credentials,
        _: Annotated[str | None, Security(_session_cookie)],
    ) -> Caller:
        if credentials is not None:
            return await with_token(request, credentials)
        user = signed_in_user(request)
        if user is None:
            raise _sign_in_first(request, detail)
        caller = caller_for(user.claims(), roles)
        if caller is None:
            raise forbidden(roles)
        return caller

    return authenticated


def _sign_in_first(request: Request, detail: str) -> HTTPException:
    if "text/html" not in request.headers.get("accept", ""):
        return unauthorized(detail)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(
        status.HTTP_303_SEE_OTHER,
        detail=detail,
        headers={"Location": f"{SIGN_IN}?{urlencode({'next': here})}"},
    )


# --- the routes -----------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)

Next = Annotated[str, Query(max_length=2000, description="A path on this service to return to.")]


@router.get(SIGN_IN)
async def sign_in(request: Request, next: Next = "/") -> Response:
    method = _method(request)
    target = local_path(next, ("query", "next"))
    if isinstance(method, ProviderSignIn):
        request.session[_NEXT] = target
        try:
            return await method.redirect(request)
        except httpx.HTTPError as unreachable:  # its discovery document
            raise _provider_unreachable() from unreachable
    return HTMLResponse(sign_in_pages.demo_form(target))


@router.post(SIGN_IN)
async def sign_in_demo(request: Request) -> RedirectResponse:
    if not isinstance(_method(request), DemoSignIn):
        raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, detail="sign in at the provider")
    chosen = _demo_user(await _form(request))
    target = local_path(chosen.next, ("body", "next"))
    user = SignedInUser(
        subject=f"demo:{chosen.name}",
        name=chosen.name,
        email=None,
        roles=frozenset({chosen.role}),
        organisation=chosen.organisation,
    )
    return _signed_in_as(request, user, target)


@router.get(f"{SIGN_IN}/callback", name="sign_in_callback")
async def sign_in_callback(request: Request) -> RedirectResponse:
    method = _method(request)
    if not isinstance(method, ProviderSignIn):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no provider to return from")
    try:
        user = await method.user(request)
    except SignInFailed as failed:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail=f"the sign-in could not be completed ({failed}); start again at {SIGN_IN}",
        ) from None
    except httpx.HTTPError as unreachable:
        raise _provider_unreachable() from unreachable
    return _signed_in_as(request, user, request.session.pop(_NEXT, "/"))


@router.post("/sign-out")
async def sign_out(request: Request) -> HTMLResponse:
    """Ends the session here (not at the provider, whose own session may sign in again)."""
    if "session" in request.scope:
        request.session.clear()
    return HTMLResponse(sign_in_pages.signed_out())


def _method(request: Request) -> SignInMethod:
    method: SignInMethod | None = getattr(request.app.state, "sign_in", None)
    if method is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="browser sign-in is not configured here"
        )
    return method


def _provider_unreachable() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail="the sign-in provider is unreachable; try again shortly",
        headers={"Retry-After": str(PROVIDER_RETRY_AFTER_SECONDS)},
    )


def _signed_in_as(request: Request, user: SignedInUser, target: str) -> RedirectResponse:
    # A fresh session: nothing from before signing in (a pending state) carries over.
    request.session.clear()
    request.session[_USER] = user.to_session()
    log.info("signed in", user=user.subject, roles=sorted(user.roles))
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


def local_path(target: str, loc: tuple[str, str]) -> str:
    """``target`` if it is a path on this service, so sign-in never sends a browser elsewhere
    (``//host``, ``/\\host`` and ``scheme:`` are other sites to a browser); else a 422."""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not parts.scheme
        and not parts.netloc
        and target.isprintable()
    ):
        return target
    raise RequestValidationError(
        [
            {
                "loc": loc,
                "msg": "must be a path on this service, e.g. /dashboard",
                "type": "local_path",
            }
        ]
    )


async def _form(request: Request) -> Mapping[str, str]:
    """An HTML form's fields (application/x-www-form-urlencoded)."""
    try:
        return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "the form is not UTF-8", "type": "form_invalid"}]
        ) from None


def _demo_user(fields: Mapping[str, str]) -> DemoUserIn:
    try:
        return DemoUserIn.model_validate(fields)
    except ValidationError as invalid:
        errors = invalid.errors(include_url=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
