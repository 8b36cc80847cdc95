"""Helpers for tests against the real broker and database: throw-away vhosts and databases."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from urllib.parse import quote

import httpx

from contracts.events import PlacementStarted, PlacementStartedPayload, Workplace
from runtime.postgres import drop_database, ensure_database

AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1:5672")
AMQP_USER = os.environ.get("TEST_AMQP_USER", "guest")
AMQP_PASSWORD = os.environ.get("TEST_AMQP_PASSWORD", "guest")
MANAGEMENT_URL = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def management() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=MANAGEMENT_URL, auth=(AMQP_USER, AMQP_PASSWORD), timeout=30)


@asynccontextmanager
async def temporary_vhost() -> AsyncIterator[str]:
    """A fresh vhost with full permissions for the test user; yields its AMQP URL."""
    vhost = unique("test")
    async with management() as api:
        (await api.put(f"/api/vhosts/{vhost}")).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{vhost}/{quote(AMQP_USER)}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()
        try:
            yield f"amqp://{AMQP_USER}:{AMQP_PASSWORD}@{AMQP_HOST}/{vhost}"
        finally:
            await api.delete(f"/api/vhosts/{vhost}")


@asynccontextmanager
async def temporary_database() -> AsyncIterator[str]:
    dsn = f"{POSTGRES_URL}/{unique('test')}"
    await ensure_database(dsn)
    try:
        yield dsn
    finally:
        await drop_database(dsn)


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Wait until ``check`` is true; fail the test with a clear message otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check.__name__}")
        await asyncio.sleep(interval)


def placement_started(
    producer: str = "servicef", placement_id: uuid.UUID | None = None, sequence: int = 1
) -> PlacementStarted:
    return PlacementStarted(
        producer=producer,
        placement_id=placement_id or uuid.uuid4(),
        sequence=sequence,
        payload=PlacementStartedPayload(
            participant_ref="ab" * 32,
            gender="female",
            age_band="25_plus",
            placement_type="extratjanst",
            workplace=Workplace(name="Stadsbiblioteket", unit="Barnavdelningen"),
            role="Biblioteksassistent",
            tasks=["Låna ut och ta emot böcker"],
            employment_rate=75,
            start_date=date(2026, 1, 12),
            planned_end_date=date(2026, 12, 31),
        ),
    )
