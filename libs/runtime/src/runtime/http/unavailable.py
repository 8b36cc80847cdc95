"""A dependency that cannot be reached is a 503 with ``Retry-After``, not a 500.

While the database restarts, every query fails with a lost or refused connection. The request
was fine and nothing was stored, so the honest answer is "try again shortly": clients and load
balancers know what to do with a 503 and ``Retry-After``, and nobody is paged for a bug."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from runtime.logging import get_logger
from runtime.postgres import UNREACHABLE, unreachable

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 5

RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "A dependency (the database) is unreachable for a moment; nothing was "
        "stored. Try again after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}
"""For each route's OpenAPI entry: every route can answer this."""


def install_unavailable_responses(app: FastAPI) -> None:
    for error_type in (*UNREACHABLE, asyncpg.InterfaceError):
        app.add_exception_handler(error_type, _unavailable)


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    if not unreachable(error):  # an InterfaceError that is our misuse, not the database gone
        log.error("internal error", error=repr(error), exc_info=error)
        return JSONResponse(status_code=500, content={"detail": "Internal Server Error"})
    return JSONResponse(
        status_code=503,
        content={"detail": f"temporarily unavailable ({type(error).__name__}); try again"},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
