"""Idempotent consumption: an event's effect and the record that it was applied commit together."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import asyncpg

from contracts.events import Envelope
from runtime.metrics import EVENTS_CONSUMED, EVENTS_DUPLICATE

Effect = Callable[[asyncpg.Connection], Awaitable[None]]


async def record_first_delivery(
    conn: asyncpg.Connection, consumer: str, event_id: uuid.UUID
) -> bool:
    """Record ``event_id`` for ``consumer`` in the caller's transaction; False if already there.

    A concurrent copy of the same event blocks on the primary key until the first transaction
    ends, then sees the conflict: exactly one of them applies the effect.
    """
    inserted = await conn.fetchval(
        """INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        event_id,
    )
    return inserted is not None


async def apply_once(pool: asyncpg.Pool, consumer: str, event: Envelope, effect: Effect) -> bool:
    """Run ``effect`` in one transaction with the inbox record. Returns False for a duplicate."""
    async with pool.acquire() as conn, conn.transaction():
        if not await record_first_delivery(conn, consumer, event.event_id):
            EVENTS_DUPLICATE.labels(consumer).inc()
            return False
        await effect(conn)
    EVENTS_CONSUMED.labels(consumer, event.event_type).inc()
    return True
