"""The reporting service in-process (ASGI) on a fresh database and vhost, with its stream
consumer started and stopped by the test, and a publisher that writes to ``city.events``."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from contracts.reference import ReferenceData
from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE
from reporting.adapters import projection_store
from reporting.bootstrap import build, consumer_config, reporting_database
from reporting.settings import ReportingSettings
from reporting.stream.consumer import ConsumerConfig, StreamConsumer
from runtime.amqp import declare
from runtime.http.auth import token_hash
from tests.integration.reporting.scenario import TARGETS_2026, Message, messages
from tests.support import eventually

# The scenarios count a handful of placements, so every figure is small, and what their tests
# check is the arithmetic: they read the figures unsuppressed (threshold 1 withholds nothing).
# The tests of suppression run the service with the threshold a deployment gets by default.
EXACT = 1
DEFAULT_THRESHOLD: int = ReportingSettings.model_fields["suppression_threshold"].default


@dataclass
class Reporting:
    app: FastAPI
    pool: asyncpg.Pool
    amqp_url: str
    database_url: str
    config: ConsumerConfig
    reference: ReferenceData
    admin_token: str
    analyst_token: str
    own_consumer: StreamConsumer  # the one the app's /ready and /operations/status look at
    published: int = 0
    tasks: list[asyncio.Task[bool]] = field(default_factory=list)

    def client(self, *, admin: bool = False, anonymous: bool = False) -> httpx.AsyncClient:
        """An analyst's client (the report's readers), an admin's, or nobody's."""
        token = self.admin_token if admin else self.analyst_token
        headers = {} if anonymous else {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://reporting",
            headers=headers,
        )

    def start(self, **overrides: Any) -> StreamConsumer:
        """Start a consumer (as a service process would) in a background task."""
        consumer = StreamConsumer(dataclasses.replace(self.config, **overrides), self.reference)
        self.tasks.append(asyncio.create_task(consumer.run()))
        return consumer

    async def stop(self) -> None:
        """Stop every consumer abruptly: a cancelled task, as a killed process leaves things."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()

    async def publish(self, batch: Iterable[Message]) -> None:
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
            for message in batch:
                await exchange.publish(
                    aio_pika.Message(message.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=message.routing_key,
                    mandatory=True,
                )
                self.published += 1

    async def position(self) -> int | None:
        async with self.pool.acquire() as conn:
            return await projection_store.position(conn, self.config.stream.name)

    async def caught_up(self, within: float = 60.0) -> None:
        """Until every published message has been applied (offsets start at 0 in a new vhost)."""

        async def applied_everything() -> bool:
            return await self.position() == self.published - 1

        await eventually(applied_everything, within=within)

    async def report(self, **params: Any) -> dict[str, Any]:
        async with self.client() as client:
            response = await client.get("/report", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def set_targets(self, year: int, targets: dict[str, int]) -> None:
        async with self.client(admin=True) as client:
            response = await client.put(f"/reference/targets/{year}", json={"placements": targets})
        assert response.status_code == 200, response.text


@asynccontextmanager
async def running_reporting(
    amqp_url: str, database_url: str, **overrides: Any
) -> AsyncIterator[Reporting]:
    """The service on its own database, the broker topology declared; no consumer yet.
    ``overrides`` are settings (sign-in, the suppression threshold)."""
    await declare(amqp_url, CITY_TOPOLOGY)
    token, analyst_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    defaults: dict[str, Any] = {
        "admin_token_hashes": [token_hash(token)],
        "analyst_token_hashes": [token_hash(analyst_token)],
        "batch_size": 7,  # small: the scenario spans several batches
        "reconnect_seconds": 0.2,
        "suppression_threshold": EXACT,
    }
    settings = ReportingSettings(
        amqp_url=amqp_url, database_url=database_url, **{**defaults, **overrides}
    )
    async with reporting_database(settings) as pool:
        app, consumer = build(settings, pool)
        service = Reporting(
            app,
            pool,
            amqp_url,
            database_url,
            dataclasses.replace(consumer_config(settings), idle_seconds=0.2),
            consumer.reference,
            token,
            analyst_token,
            consumer,
        )
        try:
            yield service
        finally:
            await service.stop()


@pytest.fixture
async def reporting(amqp_url: str, database_url: str) -> AsyncIterator[Reporting]:
    async with running_reporting(amqp_url, database_url) as service:
        yield service


@pytest.fixture
async def suppressing(amqp_url: str, database_url: str) -> AsyncIterator[Reporting]:
    """The service withholding small cells as a deployment does by default."""
    async with running_reporting(
        amqp_url, database_url, suppression_threshold=DEFAULT_THRESHOLD
    ) as service:
        yield service


@pytest.fixture
async def scenario(reporting: Reporting) -> Reporting:
    """The hand-computed scenario published, its targets set, and applied by a consumer."""
    await reporting.set_targets(2026, TARGETS_2026)
    await reporting.publish(messages())
    reporting.start()
    await reporting.caught_up()
    return reporting
