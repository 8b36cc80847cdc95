"""The placements service in-process (ASGI) on a fresh database and vhost, with its outbox
relay running, and sink queues that catch everything it publishes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE, IDENTITY_EXCHANGE, ConsumerQueue
from placements.bootstrap import MIGRATIONS, build_app
from placements.settings import PlacementsSettings
from runtime.amqp import AmqpPublisher, declare
from runtime.http.auth import token_hash
from runtime.outbox import OutboxRelay, outbox_backlog
from runtime.postgres import create_pool, migrate
from tests.support import drain, eventually
from tools.samples import personnummer

ORGANISATIONS = ("sf", "kf")
TODAY = date(2027, 6, 30)
"""The service's clock for the plausibility rules: after every date these tests use."""
CITY_SINK = ConsumerQueue("test.city-sink", EVENTS_EXCHANGE, ("#",))
IDENTITY_SINK = ConsumerQueue("test.identity-sink", IDENTITY_EXCHANGE, ("#",))


@dataclass
class Placements:
    app: FastAPI
    tokens: dict[str, str]
    pool: asyncpg.Pool
    amqp_url: str
    settings: PlacementsSettings

    def client(self, organisation: str | None = "sf", **headers: str) -> httpx.AsyncClient:
        if organisation is not None:
            headers["Authorization"] = f"Bearer {self.tokens[organisation]}"
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://placements",
            headers=headers,
        )

    async def published(self) -> list[dict[str, Any]]:
        """Every city-wide event published so far (once the outbox is empty)."""
        await self.outbox_empty()
        return [json.loads(m.body) for m in await drain(self.amqp_url, CITY_SINK.name)]

    async def published_identity(self) -> list[dict[str, Any]]:
        await self.outbox_empty()
        return [json.loads(m.body) for m in await drain(self.amqp_url, IDENTITY_SINK.name)]

    async def outbox_empty(self) -> None:
        async def empty() -> bool:
            async with self.pool.acquire() as conn:
                return (await outbox_backlog(conn))[0] == 0

        await eventually(empty)


@pytest.fixture
async def placements(amqp_url: str, database_url: str) -> AsyncIterator[Placements]:
    async with running_placements(amqp_url, database_url) as service:
        yield service


@contextlib.asynccontextmanager
async def running_placements(
    amqp_url: str, database_url: str, **settings: Any
) -> AsyncIterator[Placements]:
    """The service on ``database_url``, its relay running, the sinks declared; ``settings``
    override the service's own."""
    await declare(amqp_url, CITY_TOPOLOGY.with_queues(CITY_SINK, IDENTITY_SINK))
    pool = await create_pool(database_url, max_size=20)
    await migrate(pool, MIGRATIONS)
    tokens = {org: secrets.token_urlsafe(32) for org in ORGANISATIONS}
    configured = PlacementsSettings(
        pseudonym_key=SecretStr("test-pseudonym-key"),
        clients={org: [token_hash(token)] for org, token in tokens.items()},
        **settings,
    )
    publisher = AmqpPublisher(amqp_url)
    await publisher.connect()
    relay = asyncio.create_task(
        OutboxRelay(pool, publisher, poll_interval=0.05, listen_dsn=database_url).run()
    )
    try:
        app = build_app(configured, pool, today=lambda: TODAY)
        yield Placements(app, tokens, pool, amqp_url, configured)
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await publisher.close()
        await pool.close()


def participant(index: int) -> dict[str, Any]:
    """Another person for each index: one person's registrations would overlap (a 409)."""
    return {
        "personnummer": personnummer("19900101", f"{index:03d}"),
        "given_name": "Deltagare",
        "family_name": f"Nummer {index}",
    }


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "participant": {
            "personnummer": personnummer("19990315", "412"),
            "given_name": "Amina",
            "family_name": "Hassan",
        },
        "workplace": {"name": "Stadsbiblioteket", "unit": "Barnavdelningen"},
        "supervisor": {"name": "Karin Nilsson", "email": "karin.nilsson@example.se"},
        "placement_type": "extratjanst",
        "role": "Biblioteksassistent",
        "tasks": ["Låna ut och ta emot böcker", "Hjälpa besökare vid datorerna"],
        "employment_rate": 75,
        "start_date": "2026-01-12",
        "planned_end_date": "2026-12-31",
        "planned_value_added": [
            {
                "beneficiary": "workplace",
                "category": "okad-service-till-invanare",
                "description": "Längre öppettider i barnavdelningen",
            }
        ],
    }
    body.update(overrides)
    return body
