"""Idempotent consumption: an event's effect and the record that it was applied commit together.

:func:`consume_once` is the one way to do it, on any unit of work that can record a first
delivery and commit (a service's own, or :class:`InboxUnitOfWork`); :func:`consume_batch` is
the same for many events in one unit of work (with :mod:`runtime.queue_consumer`);
:func:`apply_once` is the same on a bare connection, for consumers without a unit of work of
their own.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar

import asyncpg

from contracts.events import Envelope
from runtime.metrics import EVENTS_CONSUMED, EVENTS_DUPLICATE, HANDLER_DURATION
from runtime.unit_of_work import PostgresUnitOfWork

Effect = Callable[[asyncpg.Connection], Awaitable[None]]


class Inbox(Protocol):
    """A unit of work that remembers which events it has applied."""

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Record the event as applied by ``consumer``; False if it already was."""
        ...

    async def commit(self) -> None: ...


class BatchInbox(Inbox, Protocol):
    """An inbox that records a whole batch's events at once."""

    async def first_deliveries(
        self, consumer: str, event_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Record the events as applied by ``consumer``; those that were not already."""
        ...


_U = TypeVar("_U", bound=Inbox)
_B = TypeVar("_B", bound=BatchInbox)


async def consume_once(
    unit_of_work: Callable[[], AbstractAsyncContextManager[_U]],
    consumer: str,
    event: Envelope,
    effect: Callable[[_U], Awaitable[None]],
) -> bool:
    """Apply ``effect`` and record ``event`` as applied by ``consumer``, in one unit of work.
    Returns False, changing nothing, for a duplicate; an error rolls both back."""
    with HANDLER_DURATION.labels(consumer).time():
        async with unit_of_work() as uow:
            if not await uow.first_delivery(consumer, event.event_id):
                EVENTS_DUPLICATE.labels(consumer).inc()
                return False
            await effect(uow)
            await uow.commit()
    EVENTS_CONSUMED.labels(consumer, event.event_type).inc()
    return True


async def consume_batch(
    unit_of_work: Callable[[], AbstractAsyncContextManager[_B]],
    consumer: str,
    events: Sequence[tuple[Envelope, Callable[[_B], Awaitable[None]]]],
) -> list[bool]:
    """Apply each event's effect, in order, and record each as applied by ``consumer``, all in
    one unit of work (the inbox records in one statement). Returns, per event, False for a
    duplicate (also of an earlier event of the batch); an error in any effect rolls back the
    whole batch."""
    applied: list[bool] = []
    with HANDLER_DURATION.labels(consumer).time():
        async with unit_of_work() as uow:
            new = await uow.first_deliveries(consumer, [event.event_id for event, _ in events])
            for event, effect in events:
                first = event.event_id in new
                new.discard(event.event_id)  # a second copy in the batch is a duplicate
                if first:
                    await effect(uow)
                applied.append(first)
            await uow.commit()
    # counted once per type: a metric's labels cost more than the rest of an event's bookkeeping
    consumed = Counter(e.event_type for (e, _), first in zip(events, applied, strict=True) if first)
    for event_type, count in consumed.items():
        EVENTS_CONSUMED.labels(consumer, event_type).inc(count)
    if duplicates := len(applied) - sum(consumed.values()):
        EVENTS_DUPLICATE.labels(consumer).inc(duplicates)
    return applied


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


async def record_first_deliveries(
    conn: asyncpg.Connection, consumer: str, event_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """:func:`record_first_delivery` for many events in one statement: those newly recorded."""
    rows = await conn.fetch(
        """INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
           ON CONFLICT DO NOTHING RETURNING event_id""",
        consumer,
        list(event_ids),
    )
    return {row["event_id"] for row in rows}


class InboxUnitOfWork(PostgresUnitOfWork):
    """A PostgreSQL unit of work with the inbox: subclass it for a consumer's unit of work."""

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        return await record_first_delivery(self.connection, consumer, event_id)

    async def first_deliveries(
        self, consumer: str, event_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await record_first_deliveries(self.connection, consumer, event_ids)


class _ConnectionInbox:
    """One connection in a transaction that commits when its block ends without an error."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.connection = conn

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        return await record_first_delivery(self.connection, consumer, event_id)

    async def commit(self) -> None:
        """The transaction commits as the block ends."""


@asynccontextmanager
async def _transaction(pool: asyncpg.Pool) -> AsyncIterator[_ConnectionInbox]:
    async with pool.acquire() as conn, conn.transaction():
        yield _ConnectionInbox(conn)


async def apply_once(pool: asyncpg.Pool, consumer: str, event: Envelope, effect: Effect) -> bool:
    """Run ``effect`` in one transaction with the inbox record. Returns False for a duplicate."""

    async def on_connection(inbox: _ConnectionInbox) -> None:
        await effect(inbox.connection)

    return await consume_once(lambda: _transaction(pool), consumer, event, on_connection)
