"""The retention job, the same in every service that holds identity data: a period after a
placement ended, its identity data is erased (storage limitation, GDPR art. 5.1e).

What is erased is the service's own use case (``Erase``); this block runs it once at a time
across replicas (a PostgreSQL advisory lock: a replica that finds it taken skips the round),
reports each run (a structured log line, a metric and a ``retention_runs`` row with the counts)
and repeats it on a schedule inside the service. ``python -m <service> erase-expired`` runs it
once from the command line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg
from prometheus_client import Counter, Gauge

from runtime.logging import get_logger
from runtime.postgres import (
    DATABASE_ERRORS,
    MigrationSource,
    create_pool,
    migrate,
    runtime_migrations,
)

MIGRATIONS: MigrationSource = runtime_migrations("retention")

log = get_logger(__name__)

IDENTITY_ERASED = Counter(
    "identity_erased_total", "Identity data erased after the retention period.", ["kind"]
)
RETENTION_LAST_RUN = Gauge(
    "retention_last_run_timestamp_seconds", "When the retention job last finished a run."
)

_LOCK = 7_340_212  # arbitrary, constant advisory-lock key: one retention runner at a time

Erase = Callable[[date], Awaitable[Mapping[str, int]]]
"""Erase the identity of placements that ended on or before the day; counts by kind."""


def ended_on_or_before(today: date, retention_days: int) -> date:
    """Placements that ended on or before this day are past a ``retention_days`` period on
    ``today``: the identity is kept for ``retention_days`` full days after the end."""
    return today - timedelta(days=retention_days + 1)


@dataclass(frozen=True)
class RetentionRun:
    started_at: datetime
    ended_on_or_before: date
    erased: dict[str, int]
    trigger: str


@dataclass(frozen=True)
class RetentionJob:
    pool: asyncpg.Pool
    erase: Erase
    retention_days: int
    today: Callable[[], date]
    now: Callable[[], datetime]

    async def run_once(self, trigger: str = "command") -> RetentionRun | None:
        """One run, reported; None when another replica is running it right now."""
        async with self.pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK):
                log.info("retention run skipped", reason="another runner holds the lock")
                return None
            try:
                return await self._run(conn, trigger)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK)

    async def _run(self, conn: asyncpg.Connection, trigger: str) -> RetentionRun:
        started, cutoff = self.now(), ended_on_or_before(self.today(), self.retention_days)
        erased = dict(await self.erase(cutoff))
        await conn.execute(
            """INSERT INTO retention_runs (started_at, ended_on_or_before, erased, trigger)
               VALUES ($1, $2, $3::jsonb, $4)""",
            started,
            cutoff,
            json.dumps(erased),
            trigger,
        )
        for kind, count in erased.items():
            IDENTITY_ERASED.labels(kind).inc(count)
        RETENTION_LAST_RUN.set_to_current_time()
        log.info("retention run", ended_on_or_before=cutoff.isoformat(), trigger=trigger, **erased)
        return RetentionRun(started, cutoff, erased, trigger)

    async def run_every(self, seconds: float) -> None:
        """The schedule: a run now and every ``seconds``; a database outage skips a round."""
        while True:
            try:
                await self.run_once("schedule")
            except DATABASE_ERRORS as error:
                log.warning("retention run failed; next round retries", error=repr(error))
            await asyncio.sleep(seconds)


async def run_once_now(
    database_url: str,
    migrations: Sequence[MigrationSource],
    job: Callable[[asyncpg.Pool], RetentionJob],
) -> RetentionRun | None:
    """``python -m <service> erase-expired``: one run on a pool of its own (the schema brought
    up to date first, as the service would at start)."""
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await migrate(pool, migrations)
        return await job(pool).run_once("command")
    finally:
        await pool.close()
