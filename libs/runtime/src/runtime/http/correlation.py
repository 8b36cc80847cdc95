"""``X-Correlation-ID`` for every service's HTTP API: taken from the request (or generated),
bound to every log line of the request, echoed in the response, and carried by the events the
request causes."""

from __future__ import annotations

import re
import uuid

import structlog
from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "X-Correlation-ID"
MAX_LENGTH = 128  # what the event envelope accepts
# Visible ASCII only: the id goes into every log line and event; anything else is replaced.
_ACCEPTED = re.compile(rf"[\x21-\x7e]{{1,{MAX_LENGTH}}}", re.ASCII)


class CorrelationMiddleware:
    """Plain ASGI: Starlette's BaseHTTPMiddleware would cost a task and a stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(CORRELATION_HEADER, "")
        correlation = given if _ACCEPTED.fullmatch(given) else str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation):
            await self.app(scope, receive, send_with_header)


def install_correlation_id(app: FastAPI) -> None:
    app.add_middleware(CorrelationMiddleware)


async def correlation_id(request: Request) -> str:
    """The request's correlation id (a FastAPI dependency)."""
    value = getattr(request.state, "correlation_id", None)
    return value if isinstance(value, str) else str(uuid.uuid4())
