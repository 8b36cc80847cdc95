"""Bearer tokens, for every service's HTTP API.

Only SHA-256 hashes of the tokens are configured: the tokens are long random strings, so a
fast hash is enough, and a leaked configuration reveals none.

A service keeps its :class:`Clients` (one per kind of caller: förvaltningar, operators, admins)
on ``app.state.clients``; routes ask for a caller with :func:`bearer` and get the subject the
token belongs to (an organisation code, or the role's name).

Where an OpenID Connect issuer is configured, ``app.state.access_tokens`` also accepts the
issuer's access tokens (JWT, :mod:`runtime.http.access_tokens`): a claim names the roles, another
the organisation (the subject of a förvaltning). Static tokens can then be switched off.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.http.access_tokens import AccessTokens, Claims, InvalidToken, ProviderUnavailable
from runtime.settings import ServiceSettings

FORVALTNING = "förvaltning"
SUPERVISOR = "supervisor"
ANALYST = "asf-analyst"
ADMIN = "admin"
OPERATOR = "operator"
ROLE_NAMES = {
    FORVALTNING: FORVALTNING,
    "forvaltning": FORVALTNING,
    SUPERVISOR: SUPERVISOR,
    ANALYST: ANALYST,
    ADMIN: ADMIN,
    OPERATOR: OPERATOR,
}
"""A role claim's values, as the provider may spell them, to the roles."""
ORGANISATION_ROLES = frozenset({FORVALTNING, SUPERVISOR})
"""Roles that act for one förvaltning, named by the organisation claim."""
PROVIDER_RETRY_AFTER_SECONDS = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Clients:
    """Who may call in one role: subject (an organisation code) by token hash. Several hashes
    per subject allow rotating a token without downtime."""

    def __init__(self, hashes_by_subject: Mapping[str, Iterable[str]]) -> None:
        self._subject_by_hash = {
            h.lower(): subject for subject, hashes in hashes_by_subject.items() for h in hashes
        }

    @classmethod
    def role(cls, name: str, hashes: Iterable[str]) -> Clients:
        """Callers who are all the same subject, the role itself (operators, admins)."""
        return cls({name: hashes})

    def find(self, token: str | None) -> str | None:
        """The subject the token belongs to, or None."""
        if token:
            presented = token_hash(token)
            for known, subject in self._subject_by_hash.items():
                if hmac.compare_digest(presented, known):
                    return subject
        return None


def static_clients(settings: ServiceSettings, clients: Mapping[str, Clients]) -> dict[str, Clients]:
    """``clients``, or none where the static tokens are switched off."""
    return dict(clients) if settings.static_tokens else {}


def access_tokens(settings: ServiceSettings) -> AccessTokens | None:
    """The configured issuer's access tokens, or None (static tokens only)."""
    if settings.oidc_issuer is None:
        return None
    return AccessTokens(
        settings.oidc_issuer,
        settings.oidc_audience or settings.service_name,
        role_claim=settings.oidc_role_claim,
        organisation_claim=settings.oidc_organisation_claim,
        leeway_seconds=settings.oidc_leeway_seconds,
    )


def unauthorized(detail: str, error: str | None = None) -> HTTPException:
    """401; ``error`` (RFC 6750) only when a token was presented and refused."""
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge}
    )


_scheme = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)]


@dataclass(frozen=True)
class Caller:
    role: str
    subject: str
    """An organisation code for a förvaltning or its supervisors; the role's name for others."""
    user: str | None = field(default=None, compare=False)
    """The signed-in person or system (the token's ``sub``), for the access log; None for a
    static token, which stands for its subject."""

    @property
    def who(self) -> str:
        """Who to name in a log: the signed-in user, or the static token's subject."""
        return self.user or self.subject


def bearer(*roles: str, detail: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller in the first of ``roles`` whose clients know the token, or
    whose access token carries the role; 401 with ``detail`` for no or a refused token, 403 for
    a valid access token without any of ``roles``. The static clients of each role are
    ``request.app.state.clients[role]``."""

    async def authenticated(request: Request, credentials: Credentials) -> Caller:
        token = credentials.credentials if credentials else None
        caller = _static_caller(request.app.state.clients, roles, token)
        if caller is not None:
            return caller
        issuer: AccessTokens | None = getattr(request.app.state, "access_tokens", None)
        if token is None or issuer is None:
            raise unauthorized(detail)
        try:
            claims = await issuer.verify(token)
        except InvalidToken as refused:
            raise unauthorized(detail, "invalid_token") from refused
        except ProviderUnavailable as unavailable:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail="the sign-in provider is unreachable; try again shortly",
                headers={"Retry-After": str(PROVIDER_RETRY_AFTER_SECONDS)},
            ) from unavailable
        caller = caller_for(claims, roles)
        if caller is None:
            raise forbidden(roles)
        return caller

    return authenticated


def _static_caller(
    known: Mapping[str, Clients], roles: Iterable[str], token: str | None
) -> Caller | None:
    for role in roles:
        subject = known[role].find(token) if role in known else None
        if subject is not None:
            return Caller(role, subject)
    return None


def forbidden(roles: Iterable[str]) -> HTTPException:
    """403: the caller is known but holds none of ``roles``."""
    return HTTPException(
        status.HTTP_403_FORBIDDEN, detail=f"this needs the role {' or '.join(roles)}"
    )


def normalised_roles(names: Iterable[str]) -> frozenset[str]:
    """The roles among a claim's values (:data:`ROLE_NAMES`); others are ignored."""
    return frozenset(ROLE_NAMES[n] for n in names if n in ROLE_NAMES)


def caller_for(claims: Claims, roles: Iterable[str]) -> Caller | None:
    """The first of ``roles`` the signed-in user (an access token's, or a browser session's)
    holds; a förvaltning's or a supervisor's only with its organisation, so that their
    per-organisation checks always have a subject."""
    held = normalised_roles(claims.roles)
    for role in roles:
        if role not in held:
            continue
        if role not in ORGANISATION_ROLES:
            return Caller(role, role, claims.subject)
        if claims.organisation:
            return Caller(role, claims.organisation, claims.subject)
    return None


_forvaltning = bearer(FORVALTNING, detail="a valid bearer token for a förvaltning is required")


async def _organisation(caller: Annotated[Caller, Depends(_forvaltning)]) -> str:
    return caller.subject


Organisation = Annotated[str, Depends(_organisation)]
"""The calling förvaltning's organisation code (401 without its token)."""
