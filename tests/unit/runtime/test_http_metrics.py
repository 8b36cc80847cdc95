"""Every service's API is measured by route template and status, on its own ``/metrics``, read
back with Prometheus's text-format parser as a scraper would."""

from __future__ import annotations

from collections import Counter

import httpx
from fastapi import APIRouter, HTTPException
from prometheus_client.parser import text_string_to_metric_families

from runtime.http.app import service_app

router = APIRouter(prefix="/metered")


@router.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    if item_id > 100:
        raise HTTPException(404, "no such item")
    return {"item_id": item_id}


@router.get("/broken")
async def broken() -> None:
    raise RuntimeError("a bug")


Series = Counter[tuple[str, frozenset[tuple[str, str]]]]


def client() -> httpx.AsyncClient:
    app = service_app(title="t", description="d", routers=[router], clients={}, readiness={})
    # Like a server: an unhandled error becomes a 500 answer rather than an exception here.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def scrape(http: httpx.AsyncClient) -> Series:
    """Every ``http_`` sample, by name and labels, as Prometheus's parser reads ``/metrics``."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    series: Series = Counter()
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name.startswith("http_"):
                series[(sample.name, frozenset(sample.labels.items()))] += int(sample.value)
    return series


def requests(handler: str, status: str) -> tuple[str, frozenset[tuple[str, str]]]:
    labels = {"method": "GET", "handler": handler, "status": status}
    return ("http_requests_total", frozenset(labels.items()))


async def test_requests_are_counted_by_route_template_and_exact_status() -> None:
    async with client() as http:
        before = await scrape(http)
        for path in ["/metered/items/7", "/metered/items/8", "/metered/items/101"]:
            await http.get(path)
        assert (await http.get("/metered/items/seven")).status_code == 422
        assert (await http.get("/metered/nowhere/3")).status_code == 404
        assert (await http.get("/metered/broken")).status_code == 500
        after = await scrape(http)
    grown = after - before
    template = "/metered/items/{item_id}"
    assert grown[requests(template, "200")] == 2
    assert grown[requests(template, "404")] == 1
    assert grown[requests(template, "422")] == 1
    assert grown[requests("/metered/broken", "500")] == 1
    # An unknown path is one series, whatever was asked for.
    assert grown[requests("none", "404")] == 1
    latency = frozenset({"method": "GET", "handler": template}.items())
    assert grown[("http_request_duration_seconds_count", latency)] == 4
    assert grown[("http_request_duration_seconds_bucket", latency | {("le", "+Inf")})] == 4


async def test_a_path_with_an_id_is_recorded_by_its_template_only() -> None:
    async with client() as http:
        await http.get("/metered/items/4242")
        series = await scrape(http)
    handlers = {value for _, labels in series for key, value in labels if key == "handler"}
    assert "/metered/items/{item_id}" in handlers
    assert not any("4242" in handler for handler in handlers)


async def test_the_operations_endpoints_are_not_measured() -> None:
    async with client() as http:
        for path in ["/health", "/ready", "/metrics"]:
            await http.get(path)
        series = await scrape(http)
    handlers = {value for _, labels in series for key, value in labels if key == "handler"}
    assert handlers.isdisjoint({"/health", "/ready", "/metrics"})
