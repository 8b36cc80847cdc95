"""OAuth 2.0 access tokens (JWT) from the city's OpenID Connect provider.

The provider's signing keys come from its JWKS, found through its discovery document and
cached; a token signed with a key the cache does not hold makes one refetch, so a key rotated
at the provider is picked up without a restart. Signature, issuer, audience and expiry are
checked (with a small leeway for clocks); two claims name the caller's roles and organisation.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
"""Asymmetric only: a shared-secret algorithm would let anyone holding the public key sign."""


class InvalidToken(Exception):
    """Not a token of the configured issuer for this audience, or expired."""


class UnknownKey(InvalidToken):
    """No key the provider publishes (as cached) signed the token."""


class ProviderUnavailable(Exception):
    """The provider's discovery document or keys cannot be fetched: nobody's fault here."""


@dataclass(frozen=True)
class Claims:
    roles: frozenset[str]
    organisation: str | None
    subject: str


class AccessTokens:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        role_claim: str = "roles",
        organisation_claim: str = "org",
        leeway_seconds: float = 30,
        refetch_interval_seconds: float = 10,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.role_claim = role_claim
        self.organisation_claim = organisation_claim
        self.leeway = leeway_seconds
        self._keys: jwt.PyJWKClient | None = None
        # Tokens signed by unknown keys are cheap to forge: they may not make every request a
        # fetch at the provider.
        self._refetch_interval = refetch_interval_seconds
        self._refetched_at = -refetch_interval_seconds

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    async def verify(self, token: str) -> Claims:
        """The token's claims, or :class:`InvalidToken`. Key fetches block, so in a thread."""
        return await asyncio.to_thread(self.verify_blocking, token)

    def verify_blocking(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise InvalidToken(str(error)) from error
        try:
            payload = self._decode(token, self._candidates(header, refresh=False))
        except UnknownKey:
            # Perhaps the provider rotated its keys since the cache was filled.
            if time.monotonic() - self._refetched_at < self._refetch_interval:
                raise
            self._refetched_at = time.monotonic()
            payload = self._decode(token, self._candidates(header, refresh=True))
        return self._claims(payload)

    def _jwks(self) -> jwt.PyJWKClient:
        if self._keys is None:
            with urllib.request.urlopen(self.discovery_url, timeout=10) as answer:
                jwks_uri = json.load(answer)["jwks_uri"]
            self._keys = jwt.PyJWKClient(jwks_uri, cache_jwk_set=True, lifespan=3600)
        return self._keys

    def _candidates(self, header: dict[str, Any], *, refresh: bool) -> list[jwt.PyJWK]:
        """The keys that may have signed it: the one named by ``kid``, or every signing key
        when the provider does not name them."""
        try:
            keys = self._jwks().get_jwk_set(refresh=refresh).keys
        except (jwt.PyJWKClientError, OSError, KeyError, ValueError) as error:
            raise ProviderUnavailable(f"the provider's keys are unavailable: {error}") from error
        kid = header.get("kid")
        return [k for k in keys if kid is None or k.key_id == kid]

    def _decode(self, token: str, keys: Iterable[jwt.PyJWK]) -> dict[str, Any]:
        error: Exception = UnknownKey("no key of the provider signed this token")
        for key in keys:
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=ALGORITHMS,
                    audience=self.audience,
                    issuer=self.issuer,
                    leeway=self.leeway,
                    options={"require": ["exp", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError as wrong_key:
                error = wrong_key
            except jwt.InvalidTokenError as invalid:
                raise InvalidToken(str(invalid)) from invalid
        raise UnknownKey(str(error))

    def _claims(self, payload: dict[str, Any]) -> Claims:
        return claims_of(payload, self.role_claim, self.organisation_claim)


def claims_of(payload: Mapping[str, Any], role_claim: str, organisation_claim: str) -> Claims:
    """The roles (a list, or a space-separated string), organisation and subject of a verified
    token's payload (an access token's, or the browser sign-in's ID token's)."""
    roles = payload.get(role_claim, [])
    if isinstance(roles, str):
        roles = roles.split()
    organisation = payload.get(organisation_claim)
    return Claims(
        roles=frozenset(r for r in roles if isinstance(r, str)),
        organisation=organisation if isinstance(organisation, str) else None,
        subject=str(payload.get("sub", "")),
    )
