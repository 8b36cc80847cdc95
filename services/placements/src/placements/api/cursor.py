"""The list's page cursor: opaque to the client, the last registration number seen inside."""

import base64
import binascii

from fastapi.exceptions import RequestValidationError


def encode_cursor(registration: int) -> str:
    return base64.urlsafe_b64encode(str(registration).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        registration = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        registration = -1
    if 0 <= registration < 2**63:  # a registration number is a bigint
        return registration
    raise RequestValidationError(
        [{"loc": ("query", "cursor"), "msg": "not a cursor from this API", "type": "cursor"}]
    )
