"""Bearer tokens, for every service's HTTP API.

Only SHA-256 hashes of the tokens are configured: the tokens are long random strings, so a
fast hash is enough, and a leaked configuration reveals none.

A service keeps its :class:`Clients` (one per kind of caller: förvaltningar, operators, admins)
on ``app.state.clients``; routes ask for a caller with :func:`bearer` and get the subject the
token belongs to (an organisation code, or the role's name).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

FORVALTNING = "förvaltning"
OPERATOR = "operator"
ADMIN = "admin"


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


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


_scheme = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)]


@dataclass(frozen=True)
class Caller:
    role: str
    subject: str
    """An organisation code for a förvaltning; the role's name for operators and admins."""


def bearer(*roles: str, detail: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller in the first of ``roles`` whose clients know the token, or 401
    with ``detail``. The clients of each role are ``request.app.state.clients[role]``."""

    async def authenticated(request: Request, credentials: Credentials) -> Caller:
        known: Mapping[str, Clients] = request.app.state.clients
        token = credentials.credentials if credentials else None
        for role in roles:
            subject = known[role].find(token) if role in known else None
            if subject is not None:
                return Caller(role, subject)
        raise unauthorized(detail)

    return authenticated


_forvaltning = bearer(FORVALTNING, detail="a valid bearer token for a förvaltning is required")


async def _organisation(caller: Annotated[Caller, Depends(_forvaltning)]) -> str:
    return caller.subject


Organisation = Annotated[str, Depends(_organisation)]
"""The calling förvaltning's organisation code (401 without its token)."""
