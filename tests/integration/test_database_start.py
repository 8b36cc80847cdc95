"""Several replicas start at once against a database that does not exist yet: all of them
start, the database is created once, and its migrations are applied once."""

from __future__ import annotations

import asyncio

import pytest

from placements.bootstrap import MIGRATIONS
from runtime.postgres import connection, create_pool, drop_database, ensure_database, migrate
from tools.sandbox import POSTGRES_URL, unique

pytestmark = pytest.mark.integration

REPLICAS = 6


async def start_a_replica(dsn: str) -> None:
    await ensure_database(dsn)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        await migrate(pool, MIGRATIONS)
    finally:
        await pool.close()


async def test_replicas_starting_together_all_start_on_one_database() -> None:
    for _ in range(3):  # the race is narrow: give it several chances
        dsn = f"{POSTGRES_URL}/{unique('test')}"
        try:
            await asyncio.gather(*(start_a_replica(dsn) for _ in range(REPLICAS)))
            async with connection(dsn) as conn:
                applied = await conn.fetch("SELECT key FROM schema_migrations")
            assert len(applied) == len({row["key"] for row in applied}) > 0
        finally:
            await drop_database(dsn)
