"""Idempotent consumers and dead letters against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import asyncpg
import pytest
import structlog
from faststream.rabbit import Channel, RabbitBroker

from contracts.events import PlacementStarted
from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE, ConsumerQueue
from runtime.amqp import declare, event_message
from runtime.consumer import DeliveryPolicy, subscribe
from runtime.inbox import InboxUnitOfWork, apply_once, consume_batch
from tests.support import drain, eventually, placement_started

pytestmark = pytest.mark.integration

QUEUE = ConsumerQueue("test.placements", EVENTS_EXCHANGE, ("*.PlacementStarted",), delivery_limit=3)
TOPOLOGY = CITY_TOPOLOGY.with_queues(QUEUE)

Handler = Callable[[PlacementStarted], Awaitable[None]]


@pytest.fixture
async def effects(pool: asyncpg.Pool) -> asyncpg.Pool:
    """A table with one row per applied effect: no unique key, so a double effect shows."""
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (event_id uuid NOT NULL)")
    return pool


@asynccontextmanager
async def consumer(amqp_url: str, handler: Handler) -> AsyncIterator[RabbitBroker]:
    await declare(amqp_url, TOPOLOGY)
    broker = RabbitBroker(
        amqp_url,
        middlewares=[DeliveryPolicy(TOPOLOGY, backoff=0.05)],
        default_channel=Channel(prefetch_count=10),
        log_level=logging.DEBUG,
    )
    subscribe(broker, QUEUE)(handler)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


def recording_handler(pool: asyncpg.Pool, deliveries: list[uuid.UUID]) -> Handler:
    async def on_placement_started(event: PlacementStarted) -> None:
        deliveries.append(event.event_id)
        log_context = structlog.contextvars.get_contextvars()
        assert log_context["event_id"] == str(event.event_id), "log lines carry the event_id"
        assert log_context["correlation_id"] == event.correlation_id

        async def effect(conn: asyncpg.Connection) -> None:
            await conn.execute("INSERT INTO effects (event_id) VALUES ($1)", event.event_id)

        await apply_once(pool, QUEUE.name, event, effect)

    return on_placement_started


async def publish_message(amqp_url: str, message: aio_pika.Message, routing_key: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(message, routing_key=routing_key, mandatory=True)


async def publish(amqp_url: str, body: bytes, routing_key: str, *, message_id: str) -> None:
    """Any bytes as a JSON message: for what the relay would never send."""
    message = aio_pika.Message(body, content_type="application/json", message_id=message_id)
    await publish_message(amqp_url, message, routing_key)


async def publish_event(amqp_url: str, event: PlacementStarted) -> None:
    """``event`` as the outbox relay publishes it."""
    await publish_message(amqp_url, event_message(event), event.routing_key)


async def dead_letters(amqp_url: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    return await drain(amqp_url, QUEUE.dead_letter_queue)


async def awaited_dead_letters(
    amqp_url: str, count: int = 1
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """The test queue's dead letters, once ``count`` of them have arrived."""
    found: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def arrived() -> bool:
        found.extend(await dead_letters(amqp_url))
        return len(found) >= count

    await eventually(arrived)
    return found


async def count(pool: asyncpg.Pool, sql: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(sql))


async def test_same_event_delivered_twice_has_one_effect(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    deliveries: list[uuid.UUID] = []
    event = placement_started()
    async with consumer(amqp_url, recording_handler(effects, deliveries)):
        await publish_event(amqp_url, event)
        await publish_event(amqp_url, event)

        async def both_delivered() -> bool:
            return len(deliveries) == 2

        await eventually(both_delivered)

    assert deliveries == [event.event_id, event.event_id]
    assert await count(effects, "SELECT count(*) FROM effects") == 1
    assert await count(effects, "SELECT count(*) FROM inbox") == 1


async def test_malformed_messages_are_dead_lettered_with_reason_and_consumer_goes_on(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    deliveries: list[uuid.UUID] = []
    missing_payload = placement_started().model_dump(mode="json")
    del missing_payload["payload"]
    wrong_producer = placement_started(producer="kulturf")
    good = placement_started()

    async with consumer(amqp_url, recording_handler(effects, deliveries)):
        await publish(amqp_url, b"{not json", "servicef.PlacementStarted", message_id="garbage")
        await publish(
            amqp_url,
            json.dumps(missing_payload).encode(),
            "servicef.PlacementStarted",
            message_id="no-payload",
        )
        await publish(
            amqp_url,
            wrong_producer.model_dump_json().encode(),
            "servicef.PlacementStarted",
            message_id="spoofed",
        )
        await publish_event(amqp_url, good)

        async def good_one_applied() -> bool:
            return await count(effects, "SELECT count(*) FROM effects") == 1

        await eventually(good_one_applied)
        found = await awaited_dead_letters(amqp_url, 3)

    assert deliveries == [good.event_id]
    by_id = {m.message_id: m.headers for m in found}
    assert set(by_id) == {"garbage", "no-payload", "spoofed"}
    reasons = {i: (h["x-death-reason"], h["x-error-type"]) for i, h in by_id.items()}
    assert reasons == {
        "garbage": ("malformed", "JSONDecodeError"),
        "no-payload": ("invalid", "ValidationError"),
        "spoofed": ("producer-mismatch", "ProducerMismatch"),
    }
    for headers in by_id.values():
        assert headers["x-failed-queue"] == QUEUE.name
        assert headers["x-original-routing-key"] == "servicef.PlacementStarted"
    assert "payload" in str(by_id["no-payload"]["x-error"])
    assert "does not match routing key" in str(by_id["spoofed"]["x-error"])
    assert await count(effects, "SELECT count(*) FROM effects") == 1


async def test_failing_handler_is_retried_then_dead_lettered_at_the_delivery_limit(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    attempts: list[uuid.UUID] = []

    async def always_fails(event: PlacementStarted) -> None:
        attempts.append(event.event_id)
        raise RuntimeError("workplace register unavailable")

    event = placement_started()
    async with consumer(amqp_url, always_fails):
        await publish_event(amqp_url, event)
        found = await awaited_dead_letters(amqp_url)

    assert attempts == [event.event_id] * QUEUE.delivery_limit
    [message] = found
    assert message.headers["x-death-reason"] == "delivery-limit"
    assert "workplace register unavailable" in str(message.headers["x-error"])
    assert json.loads(message.body)["event_id"] == str(event.event_id)


async def test_transient_failure_recovers_on_retry(amqp_url: str, effects: asyncpg.Pool) -> None:
    deliveries: list[uuid.UUID] = []
    record = recording_handler(effects, deliveries)

    async def fails_once(event: PlacementStarted) -> None:
        if not deliveries:
            deliveries.append(event.event_id)
            raise ConnectionError("database restarting")
        await record(event)

    async with consumer(amqp_url, fails_once):
        await publish_event(amqp_url, placement_started())

        async def applied() -> bool:
            return await count(effects, "SELECT count(*) FROM effects") == 1

        await eventually(applied)
    assert await dead_letters(amqp_url) == []


async def test_a_batch_applies_each_event_once_whatever_it_repeats(effects: asyncpg.Pool) -> None:
    """One transaction for a batch: an event already applied, and an event twice in the same
    batch, each have one effect; an error in any effect leaves nothing of the batch."""
    earlier, repeated, fresh = (placement_started() for _ in range(3))

    async def effect(uow: InboxUnitOfWork, event: PlacementStarted) -> None:
        await uow.connection.execute("INSERT INTO effects (event_id) VALUES ($1)", event.event_id)

    def batch_of(*events: PlacementStarted) -> list[tuple[PlacementStarted, Any]]:
        return [(e, lambda uow, e=e: effect(uow, e)) for e in events]

    def unit_of_work() -> InboxUnitOfWork:
        return InboxUnitOfWork(effects)

    assert await consume_batch(unit_of_work, QUEUE.name, batch_of(earlier)) == [True]
    applied = await consume_batch(
        unit_of_work, QUEUE.name, batch_of(earlier, repeated, fresh, repeated)
    )

    assert applied == [False, True, True, False]
    assert await count(effects, "SELECT count(*) FROM effects") == 3
    assert await count(effects, "SELECT count(DISTINCT event_id) FROM effects") == 3

    async def failing(uow: InboxUnitOfWork) -> None:
        raise RuntimeError("the effect fails")

    with pytest.raises(RuntimeError):
        await consume_batch(
            unit_of_work,
            QUEUE.name,
            [*batch_of(placement_started()), (placement_started(), failing)],
        )
    assert await count(effects, "SELECT count(*) FROM effects") == 3
    assert await count(effects, "SELECT count(*) FROM inbox") == 3
