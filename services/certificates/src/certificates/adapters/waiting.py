"""Ended placements still without a certificate (or a correction after it still waiting for an
earlier event), and for how long: for the HTTP endpoint, the
ops CLI and ``/metrics`` (each passes a connection to the certificates database).

Ages are measured at the transaction's start, so a summary and a list read in one transaction
agree with each other."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from certificates.domain.placement import WaitingPlacement, WaitingSummary
from certificates.metrics import CERTIFICATES_WAITING, CERTIFICATES_WAITING_OLDEST
from runtime.postgres import DATABASE_ERRORS

__all__ = [
    "WaitingPlacement",
    "WaitingSummary",
    "monitor_waiting",
    "waiting_placements",
    "waiting_summary",
]


async def waiting_placements(
    conn: asyncpg.Connection, *, organisation: str | None = None, limit: int = 100
) -> list[WaitingPlacement]:
    """The longest-waiting first; only ``organisation``'s when given."""
    rows = await conn.fetch(
        """SELECT placement_id, organisation, waiting_reason, missing_sequences, waiting_since,
                  extract(epoch FROM now() - waiting_since) AS age
             FROM placements
            WHERE status = 'waiting' AND ($1::text IS NULL OR organisation = $1)
            ORDER BY waiting_since, placement_id
            LIMIT $2""",
        organisation,
        limit,
    )
    return [
        WaitingPlacement(
            placement_id=row["placement_id"],
            organisation=row["organisation"],
            reason=row["waiting_reason"] or "",
            missing_sequences=tuple(row["missing_sequences"]),
            waiting_since=row["waiting_since"],
            age_seconds=max(0.0, float(row["age"])),
        )
        for row in rows
    ]


async def waiting_summary(
    conn: asyncpg.Connection, *, organisation: str | None = None
) -> WaitingSummary:
    """How many wait, and the age of the oldest (for an alert on certificates waiting too long)."""
    row = await conn.fetchrow(
        """SELECT count(*) AS n, extract(epoch FROM now() - min(waiting_since)) AS age
             FROM placements
            WHERE status = 'waiting' AND ($1::text IS NULL OR organisation = $1)""",
        organisation,
    )
    assert row is not None
    age = row["age"]
    return WaitingSummary(int(row["n"]), max(0.0, float(age)) if age is not None else None)


async def monitor_waiting(pool: asyncpg.Pool, *, interval: float = 5.0) -> None:
    """Keep the waiting gauges current for /metrics (an alert fires on a long wait)."""
    while True:
        with contextlib.suppress(*DATABASE_ERRORS):
            async with pool.acquire() as conn:
                summary = await waiting_summary(conn)
            CERTIFICATES_WAITING.set(summary.count)
            CERTIFICATES_WAITING_OLDEST.set(summary.oldest_age_seconds or 0.0)
        await asyncio.sleep(interval)
