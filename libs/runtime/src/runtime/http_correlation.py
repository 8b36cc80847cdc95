"""``X-Correlation-ID`` for every service's HTTP API: taken from the request (or generated),
bound to every log line of the request, echoed in the response, and carried by the events the
request causes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

CORRELATION_HEADER = "X-Correlation-ID"
MAX_LENGTH = 128  # what the event envelope accepts


def install_correlation_id(app: FastAPI) -> None:
    @app.middleware("http")
    async def correlation(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get(CORRELATION_HEADER, "")
        correlation_id = given if 0 < len(given) <= MAX_LENGTH else str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            response = await call_next(request)
        response.headers[CORRELATION_HEADER] = correlation_id
        return response


def correlation_id(request: Request) -> str:
    """The request's correlation id (a FastAPI dependency)."""
    value = getattr(request.state, "correlation_id", None)
    return value if isinstance(value, str) else str(uuid.uuid4())
