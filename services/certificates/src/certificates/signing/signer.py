"""The service's :class:`~certificates.service.ports.Signer`: the issuer's key, the proof, and
the controller document that publishes the key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from certificates.domain.credential import verification_method_id
from certificates.signing.multikey import SigningKey
from certificates.signing.proof import sign_credential, verify_credential


class DataIntegritySigner:
    """Signs with the issuer's key (``key_id`` under ``issuer_id``) and verifies against it."""

    def __init__(self, key: SigningKey, issuer_id: str, key_id: str) -> None:
        self._key = key
        self._issuer_id = issuer_id
        self._key_id = key_id
        self._public = key.public_multikey()

    @property
    def verification_method(self) -> str:
        return verification_method_id(self._issuer_id, self._key_id)

    def sign(self, document: Mapping[str, Any], created: datetime) -> dict[str, Any]:
        return sign_credential(document, self._key, self.verification_method, created)

    def verify(self, document: Mapping[str, Any]) -> bool:
        return verify_credential(document, self._public)

    def controller_document(self) -> dict[str, Any]:
        return self._key.controller_document(self._issuer_id, self._key_id)
