"""What every benchmark shares: sizes, timing, and a sandboxed broker and database."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aio_pika
import asyncpg

from contracts.topology import EVENTS_EXCHANGE, EXCHANGES, ConsumerQueue, Topology
from runtime.amqp import declare
from runtime.postgres import create_pool, migrate, runtime_migrations
from tools.sandbox import temporary_database, temporary_vhost

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20000"))

# The same kind of queue the services use: quorum, delivery limit, dead-letter queue.
SINK = ConsumerQueue("bench.sink", EVENTS_EXCHANGE, ("#",))
TOPOLOGY = Topology(exchanges=EXCHANGES, consumer_queues=(SINK,))


@dataclass
class Sandbox:
    amqp_url: str
    database_url: str
    pool: asyncpg.Pool


@asynccontextmanager
async def sandbox() -> AsyncIterator[Sandbox]:
    """A fresh vhost with the bench topology and a fresh database with outbox and inbox."""
    async with temporary_vhost() as amqp_url, temporary_database() as database_url:
        await declare(amqp_url, TOPOLOGY)
        pool = await create_pool(database_url, max_size=20)
        try:
            await migrate(pool, [runtime_migrations("outbox"), runtime_migrations("inbox")])
            yield Sandbox(amqp_url, database_url, pool)
        finally:
            await pool.close()


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


async def queue_depth(amqp_url: str, queue: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        declared = await (await connection.channel()).declare_queue(queue, passive=True)
        count = declared.declaration_result.message_count
        return int(count or 0)
