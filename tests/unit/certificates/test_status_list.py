"""Revocation through a W3C Bitstring Status List."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest

from certificates.domain import status_list
from certificates.signing.multikey import SigningKey
from certificates.signing.proof import sign_credential, verify_credential

LIST_URL = "https://intyg.malmo.se/status/1"


def test_set_bits_read_back_and_untouched_bits_are_clear() -> None:
    revoked = {0, 7, 8, 4711, 94_567, 131_071}
    encoded = status_list.encode(revoked, status_list.MIN_SIZE)
    for index in revoked:
        assert status_list.is_set(encoded, index)
    for index in (1, 6, 9, 4710, 4712, 94_566, 131_070):
        assert not status_list.is_set(encoded, index)


def test_the_list_has_at_least_131072_bits_and_is_multibase_gzip() -> None:
    assert status_list.MIN_SIZE == 131_072
    encoded = status_list.encode(set())
    assert encoded.startswith("u")
    assert "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 == 131_072
    assert raw == bytes(16_384)
    assert len(status_list.decode(status_list.encode(set(), 262_144))) * 8 == 262_144


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    assert status_list.decode(status_list.encode({0}))[0] == 0b1000_0000
    assert status_list.decode(status_list.encode({7}))[0] == 0b0000_0001
    assert status_list.decode(status_list.encode({9}))[:2] == bytes([0, 0b0100_0000])


def test_a_packed_bitstring_is_encoded_as_it_is() -> None:
    packed = bytearray(16_384)
    packed[2] = 0b0010_0000  # bit 18
    encoded = status_list.encode(packed, 131_072)
    assert status_list.is_set(encoded, 18)
    assert status_list.decode(encoded) == bytes(packed)
    short = status_list.encode(bytearray([0xFF]))  # padded with clear bits
    assert status_list.is_set(short, 7)
    assert not status_list.is_set(short, 8)


def test_encoding_is_deterministic() -> None:
    assert status_list.encode({3, 5}) == status_list.encode({5, 3})


@pytest.mark.parametrize(
    ("bits", "size", "message"),
    [
        (set(), 65_536, "at least 131072"),
        (set(), 131_073, "multiple of 8"),
        ({131_072}, 131_072, "outside a list"),
        ({-1}, 131_072, "outside a list"),
        (bytearray(16_385), 131_072, "do not fit"),
    ],
)
def test_bad_sizes_and_indices_are_refused(
    bits: set[int] | bytearray, size: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        status_list.encode(bits, size)


def test_reading_outside_the_list_or_a_broken_list_fails_clearly() -> None:
    encoded = status_list.encode(set())
    with pytest.raises(IndexError):
        status_list.is_set(encoded, 131_072)
    with pytest.raises(ValueError, match="starts with 'u'"):
        status_list.decode("z" + encoded[1:])
    with pytest.raises(ValueError, match="GZIP"):
        status_list.decode("uAAAA")


def test_the_status_list_credential_is_signed_like_the_certificates() -> None:
    valid_from = datetime(2026, 11, 9, 12, tzinfo=UTC)
    credential = status_list.status_list_credential(
        LIST_URL, "https://intyg.malmo.se", revoked_indices=[42, 94_567], valid_from=valid_from
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == LIST_URL
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == "https://intyg.malmo.se"
    assert credential["validFrom"] == "2026-11-09T12:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert status_list.is_set(subject["encodedList"], 94_567)
    assert not status_list.is_set(subject["encodedList"], 94_566)

    key = SigningKey.generate()
    signed = sign_credential(credential, key, "https://intyg.malmo.se#key-1", valid_from)
    assert verify_credential(signed, key.public_multikey())
    signed["credentialSubject"]["encodedList"] = status_list.encode({42})  # un-revoke 94567
    assert not verify_credential(signed, key.public_multikey())
