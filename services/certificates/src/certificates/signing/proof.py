"""The Data Integrity proof of the ``eddsa-jcs-2022`` cryptosuite (W3C "Data Integrity EdDSA
Cryptosuites v1.0"):

- ``proofConfig`` is the proof options plus the document's ``@context`` ("Create Proof" step
  2), and the emitted proof keeps that ``@context`` so a verifier hashes exactly what was signed;
- ``hashData`` = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without proof));
- the signature is Ed25519 over ``hashData``, and ``proofValue`` its multibase base58btc form.

The proof is emitted as a one-element array: Open Badges 3.0's AchievementCredential schema
requires ``proof`` to be an array. A proof without ``@context`` (as this service signed before)
still verifies here: its configuration was hashed with the document's ``@context`` all the same.

JCS is RFC 8785 (:mod:`.jcs`); Ed25519 comes from ``cryptography``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from certificates.domain.credential import xml_datetime
from certificates.signing.jcs import canonical, json_copy
from certificates.signing.multikey import (
    SigningKey,
    base58btc_decode,
    base58btc_encode,
    public_key_from_multikey,
)

__all__ = ["CRYPTOSUITE", "PROOF_PURPOSE", "proof_of", "sign_credential", "verify_credential"]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"


def sign_credential(
    document: Mapping[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = PROOF_PURPOSE,
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-jcs-2022`` Data Integrity proof added (a one-element
    ``proof`` array)."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    if "@context" not in document:
        raise ValueError("the document has no @context")
    unsecured: dict[str, Any] = json_copy(dict(document))
    options: dict[str, Any] = {
        "@context": json_copy(unsecured["@context"]),
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xml_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = key.sign(_hash_data(unsecured, options))
    proof = {**options, "proofValue": "z" + base58btc_encode(signature)}
    return {**unsecured, "proof": [proof]}


def verify_credential(
    document: Mapping[str, Any],
    public_multikey: str,
    proof_purpose: str = PROOF_PURPOSE,
) -> bool:
    """True only when ``document`` carries a valid ``eddsa-jcs-2022`` proof by this key.

    A missing or malformed proof, a changed document, another key or another purpose all give
    False; this never raises for bad input.
    """
    try:
        return _verify(document, public_multikey, proof_purpose)
    except (ValueError, TypeError, KeyError, AttributeError, InvalidSignature, OverflowError):
        return False


def _verify(document: Mapping[str, Any], public_multikey: str, proof_purpose: str) -> bool:
    proof = _single_proof(document["proof"], proof_purpose)
    if proof is None:
        return False
    signature = _signature(proof["proofValue"])
    if signature is None:
        return False
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # The proof's @context must be a prefix of the document's, and then stands for it.
        proof_context = _as_list(options["@context"])
        if _as_list(unsecured.get("@context"))[: len(proof_context)] != proof_context:
            return False
        unsecured["@context"] = options["@context"]
    public_key_from_multikey(public_multikey).verify(signature, _hash_data(unsecured, options))
    return True


def proof_of(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The document's one ``eddsa-jcs-2022`` assertion proof, or None; never raises."""
    try:
        return _single_proof(document.get("proof"), PROOF_PURPOSE)
    except (ValueError, TypeError, AttributeError):
        return None


def _single_proof(proof: Any, proof_purpose: str) -> Mapping[str, Any] | None:
    """The one proof of this suite and purpose (with a readable ``created``), or None."""
    if isinstance(proof, list):
        if len(proof) != 1:
            return None
        proof = proof[0]
    if not isinstance(proof, Mapping):
        return None
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != proof_purpose
    ):
        return None
    created = proof.get("created")
    if created is not None:
        datetime.fromisoformat(str(created).replace("Z", "+00:00"))  # ValueError if not a date
    return proof


def _signature(proof_value: Any) -> bytes | None:
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return None
    signature = base58btc_decode(proof_value[1:])
    return signature if len(signature) == 64 else None


def _hash_data(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    config = {**options, "@context": unsecured["@context"]}
    return (
        hashlib.sha256(canonical(config)).digest()
        + hashlib.sha256(canonical(dict(unsecured))).digest()
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
