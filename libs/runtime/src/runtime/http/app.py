"""One way to build a service's FastAPI app: its routers, the correlation id, the error table,
the operations endpoints, and what the routes need on ``app.state``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from runtime.http.access_tokens import AccessTokens
from runtime.http.auth import Clients
from runtime.http.correlation import install_correlation_id
from runtime.http.errors import ErrorResponses, install_error_responses
from runtime.http.metrics import install_http_metrics
from runtime.http.operations import Check
from runtime.http.operations import router as operations
from runtime.http.unavailable import RESPONSE as UNAVAILABLE
from runtime.http.unavailable import install_unavailable_responses
from runtime.tracing import instrument_http


def service_app(
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    clients: Mapping[str, Clients],
    readiness: Mapping[str, Check],
    errors: ErrorResponses = {},  # noqa: B006 - read only
    version: str = "1.0.0",
    access_tokens: AccessTokens | None = None,
    **state: Any,
) -> FastAPI:
    """``clients`` by role and the issuer's ``access_tokens`` (see :mod:`runtime.http.auth`);
    ``readiness`` for ``/ready``; ``state`` is what the service's own dependencies read from
    ``app.state``."""
    app = FastAPI(title=title, version=version, description=description)
    install_correlation_id(app)
    install_error_responses(app, errors)
    install_unavailable_responses(app)
    install_http_metrics(app)
    for router in routers:
        app.include_router(router, responses=UNAVAILABLE)
    app.include_router(operations)
    app.state.clients = dict(clients)
    app.state.access_tokens = access_tokens
    if access_tokens is not None:
        declare_openid_connect(app, access_tokens.discovery_url)
    app.state.readiness = dict(readiness)
    for name, value in state.items():
        setattr(app.state, name, value)
    instrument_http(app)
    return app


OPENID_CONNECT = "OpenIdConnect"
BEARER = "HTTPBearer"
"""The name FastAPI's ``HTTPBearer`` gives its scheme in the document."""


def declare_openid_connect(app: FastAPI, discovery_url: str) -> None:
    """The document also names the issuer, where a bearer route accepts its tokens: the issuer
    is configuration, so it cannot be a route dependency fixed at import."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes[OPENID_CONNECT] = {"type": "openIdConnect", "openIdConnectUrl": discovery_url}
            for operation in _operations(document):
                if {BEARER: []} in operation.get("security", []):
                    operation["security"].append({OPENID_CONNECT: []})
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in document.get("paths", {}).values() for op in item.values()]
