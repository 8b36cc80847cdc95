"""The batch consumer below FastStream keeps the delivery policy of the FastStream consumers
(``test_consumer``) on the real broker and database: bad messages are dead-lettered with their
reason, a failing event is retried up to the delivery limit, one bad event does not hold up its
batch, each event has one effect, and a consumer the broker drops comes back by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from contracts.events import PlacementStarted
from runtime.amqp import declare
from runtime.consumer import RejectedEvent
from runtime.inbox import apply_once
from runtime.queue_consumer import Policy, QueueConsumer, Received, Route
from tests.integration.test_consumer import (
    QUEUE,
    TOPOLOGY,
    awaited_dead_letters,
    count,
    publish,
    publish_event,
)
from tests.support import close_connections, eventually, placement_started

pytestmark = pytest.mark.integration

Apply = Callable[[PlacementStarted], Awaitable[None]]


@pytest.fixture
async def effects(pool: asyncpg.Pool) -> asyncpg.Pool:
    """A table with one row per applied effect: no unique key, so a double effect shows."""
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (event_id uuid NOT NULL)")
    return pool


def recording(pool: asyncpg.Pool) -> Apply:
    async def apply(event: PlacementStarted) -> None:
        async def effect(conn: asyncpg.Connection) -> None:
            await conn.execute("INSERT INTO effects (event_id) VALUES ($1)", event.event_id)

        await apply_once(pool, QUEUE.name, event, effect)

    return apply


@asynccontextmanager
async def consuming(amqp_url: str, apply: Apply, **policy: Any) -> AsyncIterator[QueueConsumer]:
    """A batch consumer of the test queue; a batch is its events applied in turn, so one
    failing event fails the batch and the consumer falls back to one by one."""
    await declare(amqp_url, TOPOLOGY)

    async def apply_batch(received: Sequence[Received[PlacementStarted]]) -> None:
        for r in received:
            await apply(r.event)

    async def apply_one(received: Received[PlacementStarted]) -> None:
        await apply(received.event)

    route = Route(QUEUE, PlacementStarted.model_validate, apply_batch, apply_one)
    consumer = QueueConsumer(
        amqp_url, [route], Policy(prefetch=50, backoff=0.05, reconnect_seconds=0.2, **policy)
    )
    task = asyncio.create_task(consumer.run())

    async def attached() -> bool:
        return consumer.attached

    try:
        await eventually(attached)
        yield consumer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def applied_count(pool: asyncpg.Pool) -> int:
    return await count(pool, "SELECT count(*) FROM effects")


async def test_bad_messages_are_dead_lettered_with_their_reason_and_the_rest_applied(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    missing_payload = placement_started().model_dump(mode="json")
    del missing_payload["payload"]
    good = placement_started()

    async with consuming(amqp_url, recording(effects)):
        await publish(amqp_url, b"{not json", "servicef.PlacementStarted", message_id="garbage")
        await publish(
            amqp_url,
            json.dumps(missing_payload).encode(),
            "servicef.PlacementStarted",
            message_id="no-payload",
        )
        await publish(
            amqp_url,
            placement_started(producer="kulturf").model_dump_json().encode(),
            "servicef.PlacementStarted",
            message_id="spoofed",
        )
        await publish_event(amqp_url, good)
        found = await awaited_dead_letters(amqp_url, 3)

    reasons = {
        m.message_id: (m.headers["x-death-reason"], m.headers["x-error-type"]) for m in found
    }
    assert reasons == {
        "garbage": ("malformed", "JSONDecodeError"),
        "no-payload": ("invalid", "ValidationError"),
        "spoofed": ("producer-mismatch", "ProducerMismatch"),
    }
    for message in found:
        assert message.headers["x-failed-queue"] == QUEUE.name
        assert message.headers["x-original-routing-key"] == "servicef.PlacementStarted"
    assert await applied_count(effects) == 1


async def test_a_failing_event_is_retried_then_dead_lettered_and_its_batch_is_applied_once(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    record = recording(effects)
    failing = placement_started()
    others = [placement_started() for _ in range(20)]
    attempts: list[uuid.UUID] = []

    async def apply(event: PlacementStarted) -> None:
        if event.event_id == failing.event_id:
            attempts.append(event.event_id)
            raise RuntimeError("workplace register unavailable")
        await record(event)

    await declare(amqp_url, TOPOLOGY)
    for event in [*others[:10], failing, *others[10:]]:  # queued first: they arrive as a batch
        await publish_event(amqp_url, event)
    async with consuming(amqp_url, apply):
        found = await awaited_dead_letters(amqp_url)

    assert attempts.count(failing.event_id) >= QUEUE.delivery_limit
    [message] = found
    assert message.headers["x-death-reason"] == "delivery-limit"
    assert "workplace register unavailable" in str(message.headers["x-error"])
    async with effects.acquire() as conn:
        applied = await conn.fetch("SELECT event_id, count(*) AS n FROM effects GROUP BY 1")
    assert {row["event_id"]: row["n"] for row in applied} == {e.event_id: 1 for e in others}


async def test_an_event_no_retry_can_fix_is_dead_lettered_at_once(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    attempts: list[uuid.UUID] = []

    async def refuses(event: PlacementStarted) -> None:
        attempts.append(event.event_id)
        raise RejectedEvent("the placement belongs to another förvaltning")

    event = placement_started()
    async with consuming(amqp_url, refuses):
        await publish_event(amqp_url, event)
        found = await awaited_dead_letters(amqp_url)

    assert attempts == [event.event_id]
    assert found[0].headers["x-death-reason"] == "invalid"


async def test_a_consumer_the_broker_drops_comes_back_by_itself(
    amqp_url: str, effects: asyncpg.Pool
) -> None:
    vhost = amqp_url.rsplit("/", 1)[1]
    async with consuming(amqp_url, recording(effects)):
        await publish_event(amqp_url, placement_started())
        await eventually(lambda: _applied(effects, 1))

        async def dropped() -> bool:  # the broker lists a connection some time after it opens
            return await close_connections(vhost) > 0

        await eventually(dropped, within=30, interval=0.5)
        await publish_event(amqp_url, placement_started())
        await eventually(lambda: _applied(effects, 2), within=30)


async def _applied(pool: asyncpg.Pool, expected: int) -> bool:
    return await applied_count(pool) == expected
