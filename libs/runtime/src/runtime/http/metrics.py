"""HTTP metrics for every service's API, on the service's existing ``/metrics``:

- ``http_requests_total{method, handler, status}``: requests by route and exact status code;
- ``http_request_duration_seconds{method, handler}``: a latency histogram by route.

``handler`` is the route template (``/certificates/{certificate_id}``), never the raw path, so
ids cannot multiply the series; a path that matches no route counts as ``handler="none"``.
prometheus-fastapi-instrumentator measures, in a plain ASGI middleware; the metrics go to the
process's default registry, which ``/metrics`` already exposes (see
:mod:`runtime.http.operations`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as instrumentations
from prometheus_fastapi_instrumentator.metrics import Info

# Not measured: `/metrics` is Prometheus's own scrape and `/health` `/ready` are the
# orchestrator's probes every few seconds. They would dominate the request rate and the latency
# quantiles of the API the panels are for; whether they answer is already watched through `up`
# and the health checks.
UNMEASURED = ["^/metrics$", "^/health$", "^/ready$"]

# From a cached read to a PDF render or a report over a whole year.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _made(instrumentation: Callable[[Info], None] | None) -> Callable[[Info], None]:
    if instrumentation is None:
        raise RuntimeError("an HTTP metric of that name is already registered elsewhere")
    return instrumentation


# Made once per process: the library returns nothing for a metric name the registry already
# holds, so making them per app would leave every app after the first unmeasured (tests and
# the benchmark build several apps in one process).
_REQUESTS = _made(
    instrumentations.requests(
        metric_name="http_requests_total",
        metric_doc="HTTP requests by method, route template and status code.",
    )
)
# No status label: it would multiply the buckets for little; errors are in the counter.
_LATENCY = _made(
    instrumentations.latency(
        metric_name="http_request_duration_seconds",
        metric_doc="HTTP request latency by method and route template, until the body is sent.",
        should_include_status=False,
        buckets=LATENCY_BUCKETS,
    )
)


def install_http_metrics(app: FastAPI) -> None:
    """Measure every request of ``app`` but the operations endpoints (see ``UNMEASURED``)."""
    Instrumentator(
        # Exact codes: 404 (unknown id), 409, 422 and 503 tell operators different things.
        should_group_status_codes=False,
        should_group_untemplated=True,
        excluded_handlers=UNMEASURED,
    ).add(_REQUESTS, _LATENCY).instrument(app)
