"""A dependency that cannot be reached is a 503 with ``Retry-After``, not a 500.

While the database restarts, every query fails with a lost or refused connection. The request
was fine and nothing was stored, so the honest answer is "try again shortly": clients and load
balancers know what to do with a 503 and ``Retry-After``, and nobody is paged for a bug."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

RETRY_AFTER_SECONDS = 5

UNREACHABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # lost, refused or not yet accepting connections
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,  # the server is shutting down or crash-restarting
    ConnectionError,  # refused or reset sockets
    TimeoutError,  # no pooled connection in time
)

RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "A dependency (the database) is unreachable for a moment; nothing was "
        "stored. Try again after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}
"""For each route's OpenAPI entry: every route can answer this."""


def install_unavailable_responses(app: FastAPI) -> None:
    for error_type in UNREACHABLE:
        app.add_exception_handler(error_type, _unavailable)
    app.add_exception_handler(asyncpg.InterfaceError, _closed_connection)


async def _closed_connection(request: Request, error: Exception) -> JSONResponse:
    """asyncpg says "connection is closed" as an ``InterfaceError``, the same type as its
    complaints about misuse; only the first is the database's absence."""
    if "closed" in str(error):
        return await _unavailable(request, error)
    return JSONResponse(status_code=500, content={"detail": "internal error"})


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"detail": f"temporarily unavailable ({type(error).__name__}); try again"},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
