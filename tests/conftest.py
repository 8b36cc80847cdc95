from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from runtime.logging import configure_logging
from runtime.postgres import create_pool, migrate, runtime_migrations
from runtime.tracing import configure_tracing, stop_tracing
from tests.support import temporary_database, temporary_vhost

configure_logging("tests", "WARNING", json=False)


@pytest.fixture
async def amqp_url() -> AsyncIterator[str]:
    async with temporary_vhost() as url:
        yield url


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    async with temporary_database() as dsn:
        yield dsn


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh database with the runtime's outbox and inbox tables."""
    pool = await create_pool(database_url, max_size=30)
    await migrate(pool, [runtime_migrations("outbox"), runtime_migrations("inbox")])
    yield pool
    await pool.close()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, every finished span kept in memory; request it before the
    fixtures that build apps and brokers, which are instrumented when they are built."""
    exporter = InMemorySpanExporter()
    assert configure_tracing("test", exporter=exporter)
    try:
        yield exporter
    finally:
        stop_tracing()
