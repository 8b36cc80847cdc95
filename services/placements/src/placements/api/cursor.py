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
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": "not a cursor from this API", "type": "cursor"}]
        ) from None
