"""Transactional outbox: events are written with the state change, and a relay publishes them.

Why the relay claims rows instead of remembering "the last id it sent": ``bigserial`` values are
taken before commit, so under concurrent writers a row with a smaller id can commit after a row
with a larger one. A poller that trusts ``id > last_seen`` skips it forever. The relay instead
takes any unpublished row, ``FOR UPDATE SKIP LOCKED``, so several relays share the work and a
late commit is simply picked up by the next pass.

A row is marked published in the same transaction that locked it, and only after the broker
confirmed every message of the batch. A relay that dies in between leaves the rows unpublished
(the transaction rolls back), so they are published again: at-least-once, and consumers are
idempotent on ``event_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

import asyncpg
from opentelemetry.trace import SpanKind

from contracts.events import Envelope
from contracts.topology import exchange_for
from runtime.logging import get_logger
from runtime.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISH_FAILED,
    OUTBOX_PUBLISHED,
    OUTBOX_RELAY_LAG,
)
from runtime.postgres import DATABASE_ERRORS, Write, connection
from runtime.tracing import context_from, current_trace_context, enabled, span

log = get_logger(__name__)

NOTIFY_CHANNEL = "outbox"


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    event_id: uuid.UUID
    event_type: str
    exchange: str
    routing_key: str
    body: bytes
    correlation_id: str | None
    created_at: float  # epoch seconds, for the commit-to-confirm lag
    traceparent: str | None = None  # W3C trace context of the work that wrote it
    tracestate: str | None = None


class Publisher(Protocol):
    """Publishes one message and returns only once the broker has confirmed it."""

    async def publish(self, message: OutboxMessage) -> None: ...


async def enqueue(conn: asyncpg.Connection, events: Iterable[Envelope]) -> None:
    """Add events to the outbox inside the caller's transaction, with the active trace
    context (the request or message that caused them) for the relay to carry on."""
    write = outbox_write(events)
    if write is not None:
        await conn.execute(write[0], *write[1])


def outbox_write(events: Iterable[Envelope]) -> Write | None:
    """:func:`enqueue` as one statement, for a caller that sends it with other writes
    (:func:`runtime.postgres.write_together`); None without events, so that no NOTIFY wakes
    the relay for nothing."""
    traceparent, tracestate = current_trace_context()
    rows = [
        (
            event.event_id,
            event.event_type,
            exchange_for(type(event)),
            event.routing_key,
            event.model_dump_json().encode(),
            event.correlation_id,
            traceparent,
            tracestate,
        )
        for event in events
    ]
    if not rows:
        return None
    # One statement for the whole batch (in order: ids follow the events), one NOTIFY.
    return (
        """INSERT INTO outbox (event_id, event_type, exchange, routing_key, body, correlation_id,
                               traceparent, tracestate)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[],
                                $6::text[], $7::text[], $8::text[])""",
        [list(column) for column in zip(*rows, strict=True)],
    )


MAX_RETRY_SECONDS = 5.0
"""The longest a relay waits before trying again after a pass that could not publish."""


class OutboxRelay:
    """Moves committed outbox rows to the broker. Run one or several; they share the work."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        listen_dsn: str | None = None,
        passes: int = 2,
    ) -> None:
        """``passes``: passes at once (each on its own connection of ``pool``), so that rows
        committed while one pass waits for the broker's confirms are claimed by another."""
        self._pool = pool
        self._passes = passes
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._listen_dsn = listen_dsn
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Publish until cancelled: on every NOTIFY, and every ``poll_interval`` regardless."""
        listener = asyncio.create_task(self._listen(), name="outbox-listener")
        loops = [asyncio.create_task(self._loop()) for _ in range(self._passes)]
        try:
            await asyncio.gather(*loops)
        finally:
            for task in (*loops, listener):
                task.cancel()
            await asyncio.gather(*loops, listener, return_exceptions=True)

    async def _loop(self) -> None:
        # Whoever clears the wake-up runs a pass right after, so no NOTIFY goes unserved.
        failed_passes = 0
        while True:
            self._wake.clear()
            failed_passes = failed_passes + 1 if not await self._pass() else 0
            if failed_passes:
                # the broker or the database is away: every NOTIFY would only fail again
                await asyncio.sleep(self._retry_delay(failed_passes))
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that races with its timeout, and the relay would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()

    async def _pass(self) -> bool:
        """Publish until the outbox is drained; False if something could not be published."""
        try:
            while True:
                confirmed, failed = await self._publish_batch()
                if failed or confirmed < self._batch_size:
                    return not failed
                # a full, fully confirmed batch: there may be more, go on at once
        except DATABASE_ERRORS as error:
            log.warning("outbox relay pass failed, retrying", error=str(error))
            return False

    def _retry_delay(self, failed_passes: int) -> float:
        return float(min(self._poll_interval * 2 ** (failed_passes - 1), MAX_RETRY_SECONDS))

    async def publish_pending(self) -> int:
        """Claim one batch, publish it, mark what was confirmed. Returns how many were."""
        confirmed, _ = await self._publish_batch()
        return confirmed

    async def _publish_batch(self) -> tuple[int, int]:
        """One batch: how many messages the broker confirmed, and how many it did not."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, event_id, event_type, exchange, routing_key, body, correlation_id,
                          extract(epoch FROM created_at) AS created_at, traceparent, tracestate
                     FROM outbox
                    WHERE published_at IS NULL
                    ORDER BY id
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED""",
                self._batch_size,
            )
            if not rows:
                return 0, 0
            messages = [
                OutboxMessage(**{**row, "created_at": float(row["created_at"])}) for row in rows
            ]
            publish = self._publish if enabled() else self._publisher.publish
            results = await asyncio.gather(*(publish(m) for m in messages), return_exceptions=True)
            confirmed = [m for m, r in zip(messages, results, strict=True) if r is None]
            failed = [(m, r) for m, r in zip(messages, results, strict=True) if r is not None]
            await self._mark_published(conn, confirmed)
            if failed:
                await self._record_failures(conn, failed)
        now = time.time()
        for m in confirmed:
            OUTBOX_RELAY_LAG.observe(max(0.0, now - m.created_at))
        OUTBOX_PUBLISHED.inc(len(confirmed))
        return len(confirmed), len(failed)

    async def _publish(self, message: OutboxMessage) -> None:
        """Publish within the trace that wrote the row: a producer span, whose own context
        the message carries on to its consumers. Untraced rows go as they are."""
        parent = context_from(message.traceparent, message.tracestate) if enabled() else None
        if parent is None:
            await self._publisher.publish(message)
            return
        with span(
            f"{message.exchange} publish",
            parent=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": message.exchange,
                "messaging.rabbitmq.destination.routing_key": message.routing_key,
                "messaging.message.id": str(message.event_id),
                "messaging.message.type": message.event_type,
                "messaging.message.conversation_id": message.correlation_id or "",
            },
        ):
            traceparent, tracestate = current_trace_context()
            await self._publisher.publish(
                replace(message, traceparent=traceparent, tracestate=tracestate)
            )

    async def _mark_published(
        self, conn: asyncpg.Connection, messages: list[OutboxMessage]
    ) -> None:
        await conn.execute(
            "UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1"
            " WHERE id = ANY($1::bigint[])",
            [m.id for m in messages],
        )

    async def _record_failures(
        self, conn: asyncpg.Connection, failed: list[tuple[OutboxMessage, BaseException]]
    ) -> None:
        for message, error in failed:
            if isinstance(error, asyncio.CancelledError):
                raise error
            OUTBOX_PUBLISH_FAILED.inc()
            log.error(
                "outbox publish failed",
                event_id=str(message.event_id),
                routing_key=message.routing_key,
                error=repr(error),
            )
        await conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
            [(m.id, repr(e)[:1000]) for m, e in failed],
        )

    async def _listen(self) -> None:
        """Keep a LISTEN connection; after every (re)connect wake once, since NOTIFYs sent
        while disconnected are lost."""
        if self._listen_dsn is None:
            return
        while True:
            try:
                conn = await asyncpg.connect(self._listen_dsn)
            except DATABASE_ERRORS as error:
                log.warning("outbox listener cannot connect", error=str(error))
                await asyncio.sleep(self._poll_interval)
                continue
            try:
                await self._listen_until_closed(conn)
            except DATABASE_ERRORS as error:
                log.warning("outbox listener lost its connection", error=str(error))
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=1)

    async def _listen_until_closed(self, conn: asyncpg.Connection) -> None:
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _conn: closed.set())
        await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        self._wake.set()
        await closed.wait()


async def outbox_backlog(conn: asyncpg.Connection) -> tuple[int, float | None]:
    """Unpublished rows and the age in seconds of the oldest one."""
    row = await conn.fetchrow(
        """SELECT count(*) AS n, extract(epoch FROM clock_timestamp() - min(created_at)) AS age
             FROM outbox WHERE published_at IS NULL"""
    )
    assert row is not None
    return int(row["n"]), (float(row["age"]) if row["age"] is not None else None)


@dataclass(frozen=True)
class FailingRow:
    event_id: uuid.UUID
    routing_key: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class OutboxStatus:
    """What an operator asks of an outbox."""

    backlog: int
    oldest_age_seconds: float | None
    failing: list[FailingRow]
    """Unpublished rows whose last publish failed, oldest first."""


async def outbox_status(dsn: str, *, limit: int = 20) -> OutboxStatus:
    async with connection(dsn) as conn:
        backlog, oldest = await outbox_backlog(conn)
        failing = await conn.fetch(
            """SELECT event_id, routing_key, attempts, last_error FROM outbox
                WHERE published_at IS NULL AND last_error IS NOT NULL
                ORDER BY id LIMIT $1""",
            limit,
        )
    return OutboxStatus(backlog, oldest, [FailingRow(**row) for row in failing])


async def purge_published(conn: asyncpg.Connection, older_than: timedelta) -> int:
    """Delete rows published longer ago than ``older_than`` (the services keep their own
    history; the outbox is only a queue). Returns how many went."""
    result = await conn.execute(
        "DELETE FROM outbox WHERE published_at < clock_timestamp() - $1::interval",
        older_than,
    )
    return int(result.split()[-1])


async def monitor_outbox(
    pool: asyncpg.Pool, *, interval: float = 5.0, retention: timedelta = timedelta(days=7)
) -> None:
    """Keep the backlog gauges current for ``/metrics`` (alerts fire on old rows), and the
    table small."""
    while True:
        with contextlib.suppress(*DATABASE_ERRORS):
            async with pool.acquire() as conn:
                backlog, age = await outbox_backlog(conn)
                await purge_published(conn, retention)
            OUTBOX_BACKLOG.set(backlog)
            OUTBOX_OLDEST_AGE.set(age or 0.0)
        await asyncio.sleep(interval)
