"""The service's :class:`~certificates.service.ports.Signer`: the issuer's current key, the
proof, and the key ring that says which keys verify what (see :mod:`.keyring`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from certificates.domain.credential import verification_method_id
from certificates.signing.keyring import KeyRing
from certificates.signing.keys import SigningKeyError
from certificates.signing.multikey import SigningKey
from certificates.signing.proof import proof_of, sign_credential, verify_credential


class KeyMismatchError(SigningKeyError):
    """The configured private key is not the key ring's current key."""


class DataIntegritySigner:
    """Signs with the current key (named in each proof) and verifies with whichever key of the
    ring a proof names, as long as the ring trusts that key at the proof's time."""

    def __init__(self, key: SigningKey, issuer_id: str, ring: KeyRing | None = None) -> None:
        self._ring = ring or KeyRing.single(key)
        if self._ring.key(self._ring.current).public != key.public_multikey():
            raise KeyMismatchError(
                f"the signing key is not the key ring's current key {self._ring.current!r}"
            )
        self._key = key
        self._issuer_id = issuer_id

    @property
    def verification_method(self) -> str:
        return verification_method_id(self._issuer_id, self._ring.current)

    def sign(self, document: Mapping[str, Any], created: datetime) -> dict[str, Any]:
        return sign_credential(document, self._key, self.verification_method, created)

    def verify(self, document: Mapping[str, Any]) -> bool:
        proof = proof_of(document)
        if proof is None:
            return False
        key = self._ring.find(self._issuer_id, str(proof.get("verificationMethod")))
        created = _created(proof.get("created"))
        if key is None or created is None or not key.trusted_at(created):
            return False
        return verify_credential(document, key.public)

    def controller_document(self) -> dict[str, Any]:
        return self._ring.controller_document(self._issuer_id)


def _created(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
