"""Rebuild the projection: empty it (reference data stays) and replay the stream from its first
offset. Because the projection is a function of the set of events, the result is exactly what
the live consumer had built.

Either this process replays (no reporting service is consuming), or a running service does:
its consumer sees its stored position vanish and starts over from the first offset, and this
process waits until the position stops moving.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from contracts.reference import ReferenceData
from reporting.adapters import projection_store as store
from reporting.adapters.projection_store import position
from reporting.adapters.unit_of_work import (
    PostgresProjectionUnitOfWork,
    PostgresSnapshot,
    on_database,
)
from reporting.service import reports
from reporting.service.ports import ProjectionStatus, ProjectionUnitOfWork
from reporting.stream.consumer import CONSUMER_LOCK, ConsumerConfig, StreamConsumer
from runtime.logging import get_logger
from runtime.postgres import connection

log = get_logger(__name__)


@dataclass(frozen=True)
class RebuildResult:
    replayed_by: str  # "this process" or "the running service"
    seconds: float
    status: ProjectionStatus


async def empty_projection(uow: ProjectionUnitOfWork) -> None:
    async with uow:
        await uow.empty()
        await uow.commit()


async def rebuild(
    config: ConsumerConfig, reference: ReferenceData, *, settle_seconds: float = 3.0
) -> RebuildResult:
    started = time.perf_counter()
    # Who replays is settled before emptying: a running service that notices the emptied
    # position at once gives up its lead, and this process must not mistake that for none.
    async with store.leader_connection(config.database_url) as conn:
        service_leads = not await store.take_lead(conn, CONSUMER_LOCK)
        await empty_projection(PostgresProjectionUnitOfWork(conn, config.stream.name))
    log.info("projection emptied; replaying the stream from the first offset")
    if not service_leads and await StreamConsumer(config, reference, until_idle=True).run():
        replayed_by = "this process"
    else:
        replayed_by = "the running service"
        await _wait_until_settled(config, settle_seconds)
    database = PostgresSnapshot(on_database(config.database_url))
    status = await reports.status(database, config.stream.name)
    return RebuildResult(replayed_by, round(time.perf_counter() - started, 3), status)


async def _wait_until_settled(config: ConsumerConfig, settle_seconds: float) -> None:
    """Until the running service's position has not moved for ``settle_seconds`` (at least as
    long as that consumer takes to notice the emptied position and reconnect)."""
    settle_seconds = max(settle_seconds, config.reconnect_seconds + config.idle_seconds + 1)
    async with connection(config.database_url) as conn:
        last, since = None, time.monotonic()
        while True:
            await asyncio.sleep(0.2)
            current = await position(conn, config.stream.name)
            if current != last:
                last, since = current, time.monotonic()
            elif time.monotonic() - since >= settle_seconds:
                return
