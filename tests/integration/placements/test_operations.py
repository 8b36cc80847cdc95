"""The placements service's operations endpoints."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from placements.bootstrap import build_app
from runtime.postgres import create_pool
from tests.integration.placements.conftest import Placements, registration

pytestmark = pytest.mark.integration


async def test_health_ready_and_metrics_need_no_token(placements: Placements) -> None:
    async with placements.client("sf") as client:
        await client.post("/placements", json=registration())
    await placements.outbox_empty()
    async with placements.client(None) as anonymous:
        health = await anonymous.get("/health")
        ready = await anonymous.get("/ready")
        metrics = await anonymous.get("/metrics")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}
    families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
    assert "outbox_published" in families  # counters lose the _total suffix when parsed
    assert families["outbox_published"].samples[0].value >= 2
    assert "outbox_relay_lag_seconds" in families


async def test_ready_is_503_and_says_why_when_the_database_is_gone(
    placements: Placements, database_url: str
) -> None:
    gone = await create_pool(database_url, min_size=1, max_size=1)
    app = build_app(placements.settings, gone)
    await gone.close()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        ready = await c.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["checks"]["database"] != "ok"
