"""Each service as the real process (``python -m NAME``) on its own database and vhost: it
starts, becomes ready (broker, database and consumers), serves ``/metrics`` that Prometheus
can parse (its HTTP requests among them), and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.topology import CITY_TOPOLOGY
from runtime.amqp import declare
from tests.support import eventually
from tools.forwarder import Forwarder
from tools.sandbox import AMQP_HOST, POSTGRES_URL, free_port

pytestmark = pytest.mark.integration


def environment(name: str, amqp_url: str, database_url: str, port: int) -> dict[str, str]:
    prefix = name.upper()
    extra = {
        "placements": {"PLACEMENTS_PSEUDONYM_KEY": secrets.token_urlsafe(16)},
        "certificates": {
            "CERTIFICATES_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode()
        },
        "reporting": {},
    }[name]
    return {
        **os.environ,
        f"{prefix}_AMQP_URL": amqp_url,
        f"{prefix}_DATABASE_URL": database_url,
        f"{prefix}_HTTP_PORT": str(port),
        f"{prefix}_LOG_LEVEL": "WARNING",
        **extra,
    }


@pytest.mark.parametrize("name", ["placements", "certificates", "reporting"])
async def test_the_service_process_is_ready_has_metrics_and_stops_cleanly(
    name: str, amqp_url: str, database_url: str
) -> None:
    await declare(amqp_url, CITY_TOPOLOGY)  # what setup (or the definitions file) does
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", name, env=environment(name, amqp_url, database_url, port)
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/ready")).status_code == 200
                return False

            await eventually(ready, within=60)
            health = await client.get("/health")
            await client.get("/openapi.json")
            metrics = await client.get("/metrics")
        assert health.json() == {"status": "ok"}
        assert metrics.headers["content-type"].startswith("text/plain")
        parsed = {family.name: family for family in text_string_to_metric_families(metrics.text)}
        assert "python_info" in parsed
        assert parsed.keys() & {"outbox_published", "reporting_consumer_attached"}
        # The HTTP metrics, by route and status, on every service.
        requests = [sample.labels for sample in parsed["http_requests"].samples]
        assert {"method": "GET", "handler": "/openapi.json", "status": "200"} in requests
    finally:
        if process.returncode is None:
            process.terminate()
        code = await asyncio.wait_for(process.wait(), 30)
    assert code == 0, f"{name} did not stop cleanly on SIGTERM"


@pytest.mark.parametrize("name", ["placements", "certificates", "reporting"])
async def test_the_service_waits_for_its_database_and_broker_instead_of_exiting(
    name: str, amqp_url: str, database_url: str
) -> None:
    """Started while neither answers (a cold start of the whole city, or a restart during an
    outage), and later losing both while it runs: the process stays up, and is ready soon
    after they are back."""
    await declare(amqp_url, CITY_TOPOLOGY)
    database, broker = Forwarder(POSTGRES_URL.rsplit("@", 1)[-1]), Forwarder(AMQP_HOST)
    port = free_port()
    env = environment(name, broker.url(amqp_url), database.url(database_url), port)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", name, env=env)
    try:
        await asyncio.sleep(4)
        assert process.returncode is None, f"{name} exited while its dependencies were away"
        await database.up()
        await asyncio.sleep(2)
        assert process.returncode is None, f"{name} exited while its broker was away"
        await broker.up()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/ready")).status_code == 200
                return False

            await eventually(ready, within=60)
            await database.down()  # and now both go away under the running service
            await broker.down()
            await asyncio.sleep(5)
            assert process.returncode is None, f"{name} exited when its connections died"
            await database.up()
            await broker.up()
            await eventually(ready, within=60)
    finally:
        if process.returncode is None:
            process.terminate()
        code = await asyncio.wait_for(process.wait(), 30)
        await broker.down()
        await database.down()
    assert code == 0
