"""Bearer tokens per förvaltning, for every service's HTTP API.

Only SHA-256 hashes of the tokens are configured: the tokens are long random strings, so a
fast hash is enough, and a leaked configuration reveals none."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from fastapi import HTTPException, status


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Clients:
    """Who may call: organisation code by token hash. Several hashes per organisation allow
    rotating a token without downtime."""

    def __init__(self, hashes_by_organisation: Mapping[str, list[str]]) -> None:
        self._organisation_by_hash = {
            h.lower(): organisation
            for organisation, hashes in hashes_by_organisation.items()
            for h in hashes
        }

    def authenticate(self, token: str | None) -> str:
        """The organisation code the token belongs to, or 401."""
        if token:
            presented = token_hash(token)
            for known, organisation in self._organisation_by_hash.items():
                if hmac.compare_digest(presented, known):
                    return organisation
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid bearer token for a förvaltning is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
