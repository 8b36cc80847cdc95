"""The idempotent consumer: events from a quorum queue into PostgreSQL, one transaction each
(FastStream's subscriber with the delivery policy), and the same in batches
(``runtime.queue_consumer``: what has been delivered meanwhile, in one transaction)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from faststream.rabbit import Channel, RabbitBroker

from bench.common import MESSAGES, SINK, TOPOLOGY, Sandbox, per_second, timed
from bench.raw_broker import publish_confirmed, sample_bodies
from contracts.events import PlacementStarted
from runtime.consumer import DeliveryPolicy, subscribe
from runtime.inbox import InboxUnitOfWork, apply_once, consume_batch
from runtime.queue_consumer import QueueConsumer, Received, Route

Apply = Callable[[PlacementStarted], Awaitable[bool]]


async def measure(box: Sandbox) -> dict[str, Any]:
    async with box.pool.acquire() as conn:
        await conn.execute("CREATE TABLE bench_effects (event_id uuid PRIMARY KEY)")

    async def effect(uow: InboxUnitOfWork, *, event: PlacementStarted) -> None:
        await uow.connection.execute("INSERT INTO bench_effects VALUES ($1)", event.event_id)

    async def one(event: PlacementStarted) -> bool:
        return await apply_once(
            box.pool,
            SINK.name,
            event,
            lambda conn: conn.execute("INSERT INTO bench_effects VALUES ($1)", event.event_id),
        )

    async def batch(received: Sequence[Received[PlacementStarted]]) -> list[bool]:
        return await consume_batch(
            lambda: InboxUnitOfWork(box.pool),
            SINK.name,
            [(r.event, partial(effect, event=r.event)) for r in received],
        )

    async def one_of(received: Received[PlacementStarted]) -> list[bool]:
        return [await one(received.event)]

    single = await consume(box, one)
    batched = await consume_batched(box, batch, one_of)
    return {
        "events": MESSAGES,
        "events_per_s": single,
        "batched": {"events_per_s": batched},
    }


async def consume_batched(
    box: Sandbox,
    batch: Callable[[Sequence[Received[PlacementStarted]]], Awaitable[list[bool]]],
    one: Callable[[Received[PlacementStarted]], Awaitable[list[bool]]],
) -> float:
    """Queue MESSAGES events, then consume them all in batches; events per second."""
    await publish_confirmed(box.amqp_url, sample_bodies(MESSAGES), "servicef.PlacementStarted")
    applied = 0
    done = asyncio.Event()

    def counted(
        apply: Callable[[Any], Awaitable[list[bool]]],
    ) -> Callable[[Any], Awaitable[None]]:
        async def apply_and_count(received: Any) -> None:
            nonlocal applied
            applied += sum(await apply(received))
            if applied >= MESSAGES:
                done.set()

        return apply_and_count

    route = Route(SINK, PlacementStarted.model_validate, counted(batch), counted(one))
    consumer = QueueConsumer(box.amqp_url, [route])

    async def run() -> None:
        consuming = asyncio.create_task(consumer.run())
        try:
            await done.wait()
        finally:
            consuming.cancel()
            await asyncio.gather(consuming, return_exceptions=True)

    return per_second(MESSAGES, await timed(run))


async def consume(box: Sandbox, apply: Apply) -> float:
    """Queue MESSAGES events, then consume them all; events per second."""
    await publish_confirmed(box.amqp_url, sample_bodies(MESSAGES), "servicef.PlacementStarted")
    applied = 0
    done = asyncio.Event()
    broker = RabbitBroker(
        box.amqp_url,
        middlewares=[DeliveryPolicy(TOPOLOGY)],
        default_channel=Channel(prefetch_count=64),
        log_level=logging.DEBUG,
    )

    @subscribe(broker, SINK)
    async def on_event(event: PlacementStarted) -> None:
        nonlocal applied
        if await apply(event):
            applied += 1
            if applied == MESSAGES:
                done.set()

    async def run() -> None:
        await broker.start()
        await done.wait()

    try:
        return per_second(MESSAGES, await timed(run))
    finally:
        await broker.stop()
