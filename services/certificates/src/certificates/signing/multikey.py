"""The issuer's Ed25519 key and its public form, a Multikey (``z`` + base58btc of the
multicodec-prefixed public key), published in a controller document."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.domain.credential import verification_method_id

__all__ = [
    "SigningKey",
    "base58btc_decode",
    "base58btc_encode",
    "controller_document",
    "public_key_from_multikey",
]

# The vocabulary of the controller document. Multikey's own context, which Multikey verifiers
# require; the security vocabulary (v2) for ``assertionMethod`` and ``verificationMethod``: both
# ship with verifiers (npm packages), so the document expands offline. (The newer
# ``https://www.w3.org/ns/cid/v1`` context defines the same terms but ships with none of them.)
CONTROLLER_CONTEXT: tuple[str, ...] = (
    "https://w3id.org/security/v2",
    "https://w3id.org/security/multikey/v1",
)
_ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet (no multibase prefix); leading zero bytes become '1'."""
    return base58.b58encode(data).decode("ascii")


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; ValueError on a character outside the alphabet."""
    if text != text.rstrip():  # the package forgives trailing whitespace; a proof must not
        raise ValueError("not a base58btc character: trailing whitespace")
    try:
        return base58.b58decode(text)
    except ValueError as error:  # "Invalid character '0'", or not ASCII at all
        raise ValueError(f"not a base58btc string: {error}") from None


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


def controller_document(issuer_id: str, key_id: str, public_multikey: str) -> dict[str, Any]:
    """The issuer's controller document with its Multikey, allowed for ``assertionMethod``."""
    public_key_from_multikey(public_multikey)  # refuse to publish something that is not a key
    method = verification_method_id(issuer_id, key_id)
    return {
        "@context": list(CONTROLLER_CONTEXT),
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
