"""The certificate as a signed, machine-readable credential.

An Open Badges 3.0 ``OpenBadgeCredential`` on the W3C Verifiable Credentials Data Model 2.0,
secured with a Data Integrity proof using the ``eddsa-jcs-2022`` cryptosuite (W3C "Data
Integrity EdDSA Cryptosuites v1.0"):

- ``proofConfig`` is the proof options plus the document's ``@context``;
- ``hashData`` = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without proof));
- the signature is Ed25519 over ``hashData``, and ``proofValue`` its multibase base58btc form.

JCS is RFC 8785 (the ``rfc8785`` package); Ed25519 comes from ``cryptography``.

The credential reveals no more than the paper and less where it can: the participant appears
only as a salted hash of the city-wide pseudonym (``participant_ref``), never by name or
personnummer. Modules are results against rubric levels: one ``ResultDescription`` per module
of the catalogue, with the module-specific level descriptors, and one ``Result`` per module
that was assessed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.domain.record import CompetenceRecord
from contracts.reference import ReferenceData

__all__ = [
    "CREDENTIAL_CONTEXT",
    "CRYPTOSUITE",
    "Issuer",
    "SigningKey",
    "base58btc_decode",
    "base58btc_encode",
    "build_credential",
    "controller_document",
    "identity_hash",
    "public_key_from_multikey",
    "sign_credential",
    "verify_credential",
    "xml_datetime",
]

Language = Literal["sv", "en"]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT: tuple[str, ...] = (VC_CONTEXT, OB_CONTEXT)
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"

_ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint


# --------------------------------------------------------------------------- base58btc

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet (no multibase prefix); leading zero bytes become '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_B58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _B58_INDEX[char]
        except KeyError:
            raise ValueError(f"not a base58btc character: {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


# --------------------------------------------------------------------------- keys


class SigningKey:
    """The issuer's Ed25519 signing key.

    Load it with :meth:`load` from the environment or a file (PEM, or the raw 32-byte seed in
    base64); the demo makes one with :meth:`generate`. ``repr`` never shows the secret.
    """

    __slots__ = ("_private",)

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        if len(seed) != 32:
            raise ValueError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_base64_seed(cls, text: str) -> SigningKey:
        """The raw 32-byte seed in base64 (standard or URL-safe, padding optional)."""
        cleaned = "".join(text.split())
        padded = cleaned + "=" * (-len(cleaned) % 4)
        try:
            seed = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except binascii.Error:
            raise ValueError("the signing key is neither PEM nor a base64 seed") from None
        return cls.from_seed(seed)

    @classmethod
    def from_pem(cls, pem: str | bytes, password: bytes | None = None) -> SigningKey:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=password)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"the PEM key is {type(key).__name__}, expected an Ed25519 key")
        return cls(key)

    @classmethod
    def load(cls, text: str) -> SigningKey:
        """A PEM private key or a base64 seed, whichever ``text`` is."""
        if "-----BEGIN" in text:
            return cls.from_pem(text)
        return cls.from_base64_seed(text)

    def private_pem(self) -> str:
        """PKCS#8 PEM, unencrypted: for writing the demo's key file."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def seed_base64(self) -> str:
        raw = self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return base64.b64encode(raw).decode("ascii")

    def public_key_bytes(self) -> bytes:
        return self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def public_multikey(self) -> str:
        """``z`` + base58btc(0xed 0x01 + raw public key): the Multikey ``publicKeyMultibase``."""
        return "z" + base58btc_encode(_ED25519_PUB_PREFIX + self.public_key_bytes())

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def controller_document(self, issuer_id: str, key_id: str) -> dict[str, Any]:
        return controller_document(issuer_id, key_id, self.public_multikey())

    def __repr__(self) -> str:
        return f"SigningKey(public={self.public_multikey()})"


def public_key_from_multikey(multikey: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a ``publicKeyMultibase`` value; ValueError if it is not one."""
    if not multikey.startswith("z"):
        raise ValueError("a Multikey is multibase base58btc and starts with 'z'")
    raw = base58btc_decode(multikey[1:])
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB_PREFIX):
        raise ValueError("not an Ed25519 public key (multicodec 0xed01, 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def verification_method_id(issuer_id: str, key_id: str) -> str:
    """``key_id`` as an absolute URL: a bare fragment (``key-1``/``#key-1``) joins ``issuer_id``."""
    if ":" in key_id:
        return key_id
    return f"{issuer_id}#{key_id.removeprefix('#')}"


def controller_document(issuer_id: str, key_id: str, public_multikey: str) -> dict[str, Any]:
    """The issuer's controller document with its Multikey, allowed for ``assertionMethod``."""
    public_key_from_multikey(public_multikey)  # refuse to publish something that is not a key
    method = verification_method_id(issuer_id, key_id)
    return {
        "@context": [CID_CONTEXT],
        "id": issuer_id,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": public_multikey,
            }
        ],
        "assertionMethod": [method],
    }


# --------------------------------------------------------------------------- proof


def xml_datetime(value: datetime) -> str:
    """``2026-11-02T09:30:00Z``: an XML Schema dateTime in UTC, to the second."""
    if value.tzinfo is None:
        raise ValueError("a credential timestamp must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_credential(
    document: Mapping[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = PROOF_PURPOSE,
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-jcs-2022`` Data Integrity proof added."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    if "@context" not in document:
        raise ValueError("the document has no @context")
    unsecured = copy.deepcopy(dict(document))
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xml_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + base58btc_encode(signature)}}


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
    proof = document["proof"]
    if isinstance(proof, list):
        if len(proof) != 1:
            return False
        proof = proof[0]
    if not isinstance(proof, Mapping):
        return False
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != proof_purpose
    ):
        return False
    created = proof.get("created")
    if created is not None:
        datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    proof_value = proof["proofValue"]
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    signature = base58btc_decode(proof_value[1:])
    if len(signature) != 64:
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


def _hash_data(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    config = {**options, "@context": unsecured["@context"]}
    return (
        hashlib.sha256(rfc8785.dumps(config)).digest()
        + hashlib.sha256(rfc8785.dumps(dict(unsecured))).digest()
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# --------------------------------------------------------------------------- Open Badges 3.0


@dataclass(frozen=True, slots=True)
class Issuer:
    """The issuing ``Profile``: the city, identified by a URL (or a DID)."""

    id: str
    name: str
    url: str | None = None

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        return profile


def identity_hash(value: str, salt: str) -> str:
    """Open Badges' salted identity hash: ``sha256$`` + hex(SHA-256(value + salt))."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def build_credential(
    record: CompetenceRecord,
    reference: ReferenceData,
    *,
    certificate_id: uuid.UUID,
    issuer: Issuer,
    organisation_name: str,
    valid_from: datetime,
    achievement_id: str,
    status_list_url: str,
    status_list_index: int,
    identity_salt: str | None = None,
    language: Language = "sv",
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` for one certificate; sign it with
    :func:`sign_credential`.

    ``achievement_id`` is the URL of the one city-wide "Kompetensintyg" achievement (its
    rubric, one result description per module, is the same on every certificate).
    ``identity_salt`` defaults to a fresh random salt.
    """
    texts = _TEXTS[language]
    salt = identity_salt if identity_salt is not None else secrets.token_hex(16)
    descriptions = [
        _result_description(achievement_id, code, reference, language)
        for code in (m.code for m in reference.modules)
    ]
    workplace = record.workplace_name + (
        f", {record.workplace_unit}" if record.workplace_unit else ""
    )
    summary = texts["summary"].format(
        role=record.role,
        workplace=workplace,
        organisation=organisation_name,
        issuer=issuer.name,
        start=record.start_date.isoformat(),
        end=record.end_date.isoformat(),
        rate=record.employment_rate,
    )
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": certificate_id.urn,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "validFrom": xml_datetime(valid_from),
        "name": texts["name"],
        "description": summary,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(record.participant_ref, salt),
                    "identityType": "identifier",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "activityStartDate": _date_time(record.start_date),
            "activityEndDate": _date_time(record.end_date),
            "role": record.role,
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": texts["name"],
                "description": texts["achievement_description"].format(
                    count=len(reference.modules),
                    modules=", ".join(
                        m.name.localized(language).lower() for m in reference.modules
                    ),
                ),
                "criteria": {"narrative": texts["criteria"]},
                "inLanguage": language,
                "resultDescription": descriptions,
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": _result_description_id(achievement_id, m.module),
                    "achievedLevel": _level_id(achievement_id, m.module, m.latest_level),
                }
                for m in record.modules
            ],
        },
        "credentialStatus": {
            "id": f"{status_list_url}#{status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_list_index),
            "statusListCredential": status_list_url,
        },
    }


def _result_description_id(achievement_id: str, module: str) -> str:
    return f"{achievement_id}#module-{module}"


def _level_id(achievement_id: str, module: str, level: str) -> str:
    return f"{achievement_id}#module-{module}-level-{level}"


def _result_description(
    achievement_id: str, code: str, reference: ReferenceData, language: Language
) -> dict[str, Any]:
    module = reference.module(code)
    scale = reference.scale_for(code)
    description: dict[str, Any] = {
        "id": _result_description_id(achievement_id, code),
        "type": ["ResultDescription"],
        "name": module.name.localized(language),
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": [
            {
                "id": _level_id(achievement_id, code, level.code),
                "type": ["RubricCriterionLevel"],
                "name": level.name.localized(language),
                "description": module.descriptor(level.code).localized(language),
                "level": level.code,
            }
            for level in scale.levels
        ],
    }
    if module.esco:
        description["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": module.name.localized(language),
                "targetUrl": uri,
                "targetFramework": "ESCO",
                "targetType": "ceasn:Competency",
            }
            for uri in module.esco
        ]
    return description


def _date_time(value: date) -> str:
    return xml_datetime(datetime.combine(value, time(), tzinfo=UTC))


_TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "name": "Kompetensintyg",
        "summary": (
            "{role} på {workplace}, {organisation}, {issuer}, {start} – {end}, {rate} % av heltid."
        ),
        "achievement_description": (
            "Stadens enhetliga intyg över den kompetens en deltagare har visat under en "
            "arbetsmarknadsanställning, bedömd i {count} moduler: {modules}."
        ),
        "criteria": (
            "Utfärdas när en arbetsmarknadsanställning har avslutats. Handledaren bedömer "
            "deltagaren, en eller flera gånger, i stadens gemensamma moduler; intyget visar den "
            "senaste nivån för varje bedömd modul, med modulens nivåbeskrivning."
        ),
    },
    "en": {
        "name": "Certificate of competence",
        "summary": (
            "{role} at {workplace}, {organisation}, {issuer}, {start} – {end}, "
            "{rate}% of full time."
        ),
        "achievement_description": (
            "The city's uniform certificate of the competence a participant has shown during a "
            "labour-market employment, assessed in {count} modules: {modules}."
        ),
        "criteria": (
            "Issued when a labour-market employment has ended. The supervisor assesses the "
            "participant, once or more, in the city's common modules; the certificate shows the "
            "latest level of every module assessed, with the module's level descriptor."
        ),
    },
}
