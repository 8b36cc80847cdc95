"""A period's report: count in the database, assemble in the domain."""

from __future__ import annotations

import asyncpg

from contracts.reference import ReferenceData
from reporting.adapters import queries, reference_store
from reporting.domain.periods import Period
from reporting.domain.report import Report, build_report


async def report(pool: asyncpg.Pool, period: Period, reference: ReferenceData) -> Report:
    async with (
        pool.acquire() as conn,
        # one snapshot: the parts of a report agree even while batches are committed
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        aggregates = await queries.aggregates(conn, period)
        register = await reference_store.register(conn)
        targets = (
            (await reference_store.targets(conn, period.year)).get(period.year)
            if period.year is not None
            else None
        )
    return build_report(period, aggregates, register, targets, reference)
