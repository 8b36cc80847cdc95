"""Revocation through a W3C Bitstring Status List v1.0.

Each certificate's credential points (``credentialStatus``) at one bit of a public list. The
list is a bitstring of at least 131,072 bits (16 KiB, so one certificate hides among many),
index 0 being the most significant bit of the first byte; a set bit means revoked. It is
published GZIP-compressed and multibase-encoded as base64url without padding (prefix ``u``)
inside a ``BitstringStatusListCredential``, signed with the same proof as the certificates
(:func:`certificates.signing.proof.sign_credential`).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from certificates.domain.credential import VC_CONTEXT, xml_datetime

__all__ = [
    "MIN_SIZE",
    "decode",
    "encode",
    "is_set",
    "status_list_credential",
]

MIN_SIZE = 131_072
"""The specification's minimum list length, in bits."""

_MAX_DECODED = 16 * 1024 * 1024  # refuse lists that inflate beyond 128 Mbit


def encode(bits: bytearray | bytes | Iterable[int], size: int = MIN_SIZE) -> str:
    """The ``encodedList`` of a bitstring.

    ``bits`` is either the packed bitstring itself (``bytes``/``bytearray``, padded with zero
    bits up to ``size``) or the indices of the set bits (e.g. a ``set[int]``).
    """
    if size < MIN_SIZE or size % 8:
        raise ValueError(f"size must be a multiple of 8 and at least {MIN_SIZE}, got {size}")
    if isinstance(bits, bytes | bytearray):
        if len(bits) * 8 > size:
            raise ValueError(f"{len(bits) * 8} bits do not fit a list of {size}")
        packed = bytearray(bits) + bytearray(size // 8 - len(bits))
    else:
        packed = bytearray(size // 8)
        for index in bits:
            if not 0 <= index < size:
                raise ValueError(f"index {index} is outside a list of {size} bits")
            packed[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(packed), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The packed bitstring of an ``encodedList``; ValueError if it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList is multibase base64url and starts with 'u'")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
        bitstring = inflater.decompress(compressed, _MAX_DECODED)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"not a GZIP, base64url encoded list: {exc}") from None
    if inflater.unconsumed_tail:
        raise ValueError("the status list is larger than this service accepts")
    return bitstring


def is_set(encoded: str, index: int) -> bool:
    """Whether bit ``index`` of the list is set (for revocation: the credential is revoked)."""
    bitstring = decode(encoded)
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(f"index {index} is outside a list of {len(bitstring) * 8} bits")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str,
    issuer: str | Mapping[str, Any],
    revoked_indices: Iterable[int],
    valid_from: datetime,
    size: int = MIN_SIZE,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at ``list_url``.

    ``issuer`` is the issuer's id or its ``Profile``; it must be the issuer of the
    credentials that point at this list.
    """
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "validFrom": xml_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(set(revoked_indices), size),
        },
    }
