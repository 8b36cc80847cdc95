"""HTTP metrics for every service's API, on the service's existing ``/metrics``:

- ``http_requests_total{method, handler, status}``: requests by route and exact status code;
- ``http_request_duration_seconds{method, handler}``: a latency histogram by route.

``handler`` is the route template (``/certificates/{certificate_id}``), never the raw path, so
ids cannot multiply the series; a path that matches no route counts as ``handler="none"``.
A plain ASGI middleware measures, reading the template from the route the router chose
(``scope["route"]``) once the request is answered: matching every route a second time, as
prometheus-fastapi-instrumentator does, cost a tenth of a command's CPU. The metrics go to
the process's default registry, which ``/metrics`` already exposes (see
:mod:`runtime.http.operations`)."""

from __future__ import annotations

import time

from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from prometheus_fastapi_instrumentator.routing import get_route_name
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Not measured: `/metrics` is Prometheus's own scrape and `/health` `/ready` are the
# orchestrator's probes every few seconds. They would dominate the request rate and the latency
# quantiles of the API the panels are for; whether they answer is already watched through `up`
# and the health checks.
UNMEASURED = frozenset({"/metrics", "/health", "/ready"})
UNMATCHED = "none"

# From a cached read to a PDF render or a report over a whole year.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Made once per process: tests and the benchmark build several apps in one process, and a
# registry refuses a second metric of the same name.
_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status code.",
    ("method", "handler", "status"),
)
# No status label: it would multiply the buckets for little; errors are in the counter.
_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method and route template, until the body is sent.",
    ("method", "handler"),
    buckets=LATENCY_BUCKETS,
)


def handler_of(scope: Scope) -> str:
    """The template of the route that answered. The services include their routers without
    a prefix (:func:`runtime.http.app.service_app`), so an API route's path is the whole one.
    FastAPI names only its API routes in the scope: the few others (``/openapi.json``, the
    docs) are matched again, as rarely as they are asked for."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    if scope.get("endpoint") is not None:
        return get_route_name(Request(scope), should_include_root_path=False) or UNMATCHED
    return UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before it answers

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            handler = handler_of(scope)
            if handler not in UNMEASURED:
                method = scope["method"]
                _REQUESTS.labels(method, handler, str(status)).inc()
                _LATENCY.labels(method, handler).observe(time.perf_counter() - started)


def install_http_metrics(app: FastAPI) -> None:
    """Measure every request of ``app`` but the operations endpoints (see ``UNMEASURED``)."""
    app.add_middleware(HttpMetricsMiddleware)
