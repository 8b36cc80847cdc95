"""The outbox relay against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import asyncpg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE, ConsumerQueue
from runtime import tracing
from runtime.amqp import AmqpPublisher, declare
from runtime.outbox import OutboxMessage, OutboxRelay, enqueue, outbox_backlog, purge_published
from tests.support import drain, eventually, placement_started

pytestmark = pytest.mark.integration

SINK = ConsumerQueue("test.sink", EVENTS_EXCHANGE, ("#",))


@pytest.fixture
async def publisher(amqp_url: str) -> AsyncIterator[AmqpPublisher]:
    await declare(amqp_url, CITY_TOPOLOGY.with_queues(SINK))
    publisher = AmqpPublisher(amqp_url)
    await publisher.connect()
    yield publisher
    await publisher.close()


async def unpublished(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return (await outbox_backlog(conn))[0]


async def all_published(pool: asyncpg.Pool) -> bool:
    return await unpublished(pool) == 0


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[None]:
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_rolled_back_transaction_publishes_nothing_and_committed_one_is_published(
    pool: asyncpg.Pool, publisher: AmqpPublisher, amqp_url: str, database_url: str
) -> None:
    committed, rolled_back = placement_started(), placement_started()

    class Abort(Exception):
        pass

    with contextlib.suppress(Abort):
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, [rolled_back])
            raise Abort
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, [committed])

    relay = OutboxRelay(pool, publisher, poll_interval=0.05, listen_dsn=database_url)
    async with running(relay):
        await eventually(lambda: all_published(pool))
    messages = await drain(amqp_url, SINK.name)

    assert [m.message_id for m in messages] == [str(committed.event_id)]
    body = json.loads(messages[0].body)
    assert body["event_type"] == "PlacementStarted"
    assert messages[0].routing_key == "servicef.PlacementStarted"
    assert messages[0].delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def test_notify_wakes_the_relay_long_before_its_poll_interval(
    pool: asyncpg.Pool, publisher: AmqpPublisher, amqp_url: str, database_url: str
) -> None:
    relay = OutboxRelay(pool, publisher, poll_interval=60, listen_dsn=database_url)
    async with running(relay):
        await asyncio.sleep(0.3)  # the relay's first pass is done; next poll is a minute away
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, [placement_started()])
        await eventually(lambda: all_published(pool), within=5)


async def test_concurrent_writers_lose_nothing(
    pool: asyncpg.Pool, publisher: AmqpPublisher, amqp_url: str, database_url: str
) -> None:
    """20 writers × 200 events, committing in random order while two relays run: ids commit
    out of order, and a relay that trusted ``id > last_seen`` would skip some."""
    writers, per_writer = 20, 200
    written: set[str] = set()

    async def writer() -> None:
        placement = uuid.uuid4()
        for sequence in range(1, per_writer + 1):
            event = placement_started(placement_id=placement, sequence=sequence)
            async with pool.acquire() as conn, conn.transaction():
                await enqueue(conn, [event])
                await asyncio.sleep(0.001 * (sequence % 3))  # hold the id before committing
            written.add(str(event.event_id))

    relays = [
        OutboxRelay(pool, publisher, batch_size=50, poll_interval=0.05, listen_dsn=database_url)
        for _ in range(2)
    ]
    async with running(relays[0]), running(relays[1]):
        await asyncio.gather(*(writer() for _ in range(writers)))
        await eventually(lambda: all_published(pool), within=60)

    received = [m.message_id for m in await drain(amqp_url, SINK.name)]
    assert len(written) == writers * per_writer
    assert set(received) == written
    assert len(received) == len(written), "SKIP LOCKED relays must not publish a row twice"


class CrashAfterPublish(Exception):
    """Stands in for the relay process dying after the confirms, before the mark commits."""


class CrashingRelay(OutboxRelay):
    async def _mark_published(
        self, conn: asyncpg.Connection, messages: list[OutboxMessage]
    ) -> None:
        raise CrashAfterPublish


async def test_relay_killed_between_publish_and_mark_republishes(
    pool: asyncpg.Pool, publisher: AmqpPublisher, amqp_url: str
) -> None:
    events = [placement_started() for _ in range(10)]
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, events)

    with pytest.raises(CrashAfterPublish):
        await CrashingRelay(pool, publisher).publish_pending()
    assert await unpublished(pool) == 10, "the mark rolled back with the crash"

    assert await OutboxRelay(pool, publisher).publish_pending() == 10
    assert await unpublished(pool) == 0

    received = [str(m.message_id) for m in await drain(amqp_url, SINK.name)]
    assert sorted(received) == sorted(str(e.event_id) for e in events for _ in range(2))


async def test_unroutable_message_stays_in_the_outbox_with_its_error(
    pool: asyncpg.Pool, publisher: AmqpPublisher
) -> None:
    """``mandatory``: a message no queue takes is not marked published."""
    event = placement_started()
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, [event])
        await conn.execute("UPDATE outbox SET exchange = 'city.identity'")  # nothing bound

    assert await OutboxRelay(pool, publisher).publish_pending() == 0
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT published_at, attempts, last_error FROM outbox")
    assert row is not None
    assert row["published_at"] is None
    assert row["attempts"] == 1
    assert row["last_error"]


async def test_published_rows_are_purged_after_the_retention_and_unpublished_ones_kept(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, [placement_started() for _ in range(3)])
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM outbox ORDER BY id")]
        await conn.execute(
            "UPDATE outbox SET published_at = now() - interval '8 days' WHERE id = $1", ids[0]
        )
        await conn.execute("UPDATE outbox SET published_at = now() WHERE id = $1", ids[2])
    async with pool.acquire() as conn:
        assert await purge_published(conn, timedelta(days=7)) == 1
        remaining = await conn.fetch("SELECT published_at FROM outbox ORDER BY id")
    assert len(remaining) == 2
    assert remaining[0]["published_at"] is None, "an unpublished row is never purged"
    assert remaining[1]["published_at"] is not None, "a recently published row stays"


class ConnectionKillingPublisher:
    """Publishes through the real one, but first kills every connection the relay holds to
    the database: the crash of PostgreSQL, or of the network, inside the relay's transaction."""

    def __init__(self, publisher: AmqpPublisher, database_url: str) -> None:
        self._publisher = publisher
        self._database_url = database_url
        self.kills = 0

    async def publish(self, message: OutboxMessage) -> None:
        if self.kills < 2:
            self.kills += 1
            conn = await asyncpg.connect(self._database_url)
            try:
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            finally:
                await conn.close()
        await self._publisher.publish(message)


async def test_the_relay_outlives_its_database_connection_dying_mid_transaction(
    pool: asyncpg.Pool, publisher: AmqpPublisher, database_url: str, amqp_url: str
) -> None:
    events = [placement_started() for _ in range(5)]
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, events)
    killer = ConnectionKillingPublisher(publisher, database_url)
    relay = OutboxRelay(pool, killer, poll_interval=0.05, listen_dsn=database_url)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: all_published(pool), within=30)
        assert not task.done(), "the relay stopped"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert killer.kills == 2
    received = {str(m.message_id) for m in await drain(amqp_url, SINK.name)}
    assert received == {str(e.event_id) for e in events}, "at least once: all of them"


class BrokerAway:
    """A publisher whose broker is down: every publish fails."""

    def __init__(self) -> None:
        self.attempts = 0

    async def publish(self, message: OutboxMessage) -> None:
        self.attempts += 1
        raise ConnectionError("the broker is away")


async def test_with_the_broker_away_the_relay_backs_off_instead_of_spinning(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """Writes keep coming (each one a NOTIFY), but retrying at each would only fail again."""
    broker = BrokerAway()
    relay = OutboxRelay(pool, broker, poll_interval=0.05, listen_dsn=database_url)
    async with running(relay):
        for _ in range(40):
            async with pool.acquire() as conn, conn.transaction():
                await enqueue(conn, [placement_started()])
            await asyncio.sleep(0.05)
    assert await unpublished(pool) == 40
    passes = broker.attempts / 40  # each pass tries every pending row
    assert passes < 15, f"{broker.attempts} attempts: the relay retried at every NOTIFY"


async def test_the_outbox_row_and_the_message_carry_the_trace_of_the_work_that_wrote_them(
    spans: InMemorySpanExporter,
    pool: asyncpg.Pool,
    publisher: AmqpPublisher,
    amqp_url: str,
    database_url: str,
) -> None:
    event = placement_started()
    with tracing.span("request") as request:
        assert request is not None
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, [event])
    async with pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT traceparent FROM outbox WHERE event_id = $1", event.event_id
        )
    trace_id = request.get_span_context().trace_id
    assert stored.split("-")[1:3] == [
        f"{trace_id:032x}",
        f"{request.get_span_context().span_id:016x}",
    ]

    relay = OutboxRelay(pool, publisher, poll_interval=0.05, listen_dsn=database_url)
    async with running(relay):
        await eventually(lambda: all_published(pool))
    [message] = await drain(amqp_url, SINK.name)

    [publish] = [s for s in spans.get_finished_spans() if s.name == "city.events publish"]
    assert publish.context is not None
    assert publish.context.trace_id == trace_id
    assert publish.parent is not None
    assert publish.parent.span_id == request.get_span_context().span_id
    # the message's context is the publish span's: its consumer continues the same trace
    assert isinstance(message.headers["traceparent"], str)
    assert message.headers["traceparent"].split("-")[1:3] == [
        f"{trace_id:032x}",
        f"{publish.context.span_id:016x}",
    ]
    # the database work is in the trace too: the INSERT into the outbox, inside the request
    inserts = [s for s in spans.get_finished_spans() if s.name == "INSERT"]
    assert [s.parent.span_id for s in inserts if s.parent] == [request.get_span_context().span_id]


async def test_without_tracing_rows_and_messages_carry_no_trace_context(
    pool: asyncpg.Pool, publisher: AmqpPublisher, amqp_url: str, database_url: str
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, [placement_started()])
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE traceparent IS NULL") == 1
    relay = OutboxRelay(pool, publisher, poll_interval=0.05, listen_dsn=database_url)
    async with running(relay):
        await eventually(lambda: all_published(pool))
    [message] = await drain(amqp_url, SINK.name)
    assert "traceparent" not in (message.headers or {})
