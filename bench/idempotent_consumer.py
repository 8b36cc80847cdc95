"""The idempotent consumer: events from a quorum queue into PostgreSQL, one transaction each,
and the same in batches (``runtime.batching``: the deliveries in flight in one transaction)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream.rabbit import Channel, RabbitBroker

from bench.common import MESSAGES, SINK, TOPOLOGY, Sandbox, per_second, timed
from bench.raw_broker import publish_confirmed, sample_bodies
from contracts.events import PlacementStarted
from runtime.batching import Batcher
from runtime.consumer import DeliveryPolicy, subscribe
from runtime.inbox import InboxUnitOfWork, apply_once, consume_batch

Apply = Callable[[PlacementStarted], Awaitable[bool]]


async def measure(box: Sandbox) -> dict[str, Any]:
    async with box.pool.acquire() as conn:
        await conn.execute("CREATE TABLE bench_effects (event_id uuid PRIMARY KEY)")

    async def effect(uow: InboxUnitOfWork, event: PlacementStarted) -> None:
        await uow.connection.execute("INSERT INTO bench_effects VALUES ($1)", event.event_id)

    async def one(event: PlacementStarted) -> bool:
        return await apply_once(
            box.pool,
            SINK.name,
            event,
            lambda conn: conn.execute("INSERT INTO bench_effects VALUES ($1)", event.event_id),
        )

    def effect_of(event: PlacementStarted) -> Callable[[InboxUnitOfWork], Awaitable[None]]:
        return lambda uow: effect(uow, event)

    async def batch(events: Sequence[PlacementStarted]) -> list[bool]:
        return await consume_batch(
            lambda: InboxUnitOfWork(box.pool), SINK.name, [(e, effect_of(e)) for e in events]
        )

    single = await consume(box, one)
    batched = await consume(box, Batcher(batch, one, max_size=64, concurrency=2).submit)
    return {
        "events": MESSAGES,
        "events_per_s": single,
        "batched": {"events_per_s": batched},
    }


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
