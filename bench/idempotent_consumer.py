"""The idempotent consumer: events from a quorum queue into PostgreSQL, one transaction each."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from faststream.rabbit import Channel, RabbitBroker

from bench.common import MESSAGES, SINK, TOPOLOGY, Sandbox, per_second, timed
from bench.raw_broker import publish_confirmed, sample_bodies
from contracts.events import PlacementStarted
from runtime.consumer import DeliveryPolicy, subscribe
from runtime.inbox import apply_once


async def measure(box: Sandbox) -> dict[str, Any]:
    async with box.pool.acquire() as conn:
        await conn.execute("CREATE TABLE bench_effects (event_id uuid PRIMARY KEY)")
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

        async def effect(conn: asyncpg.Connection) -> None:
            await conn.execute("INSERT INTO bench_effects VALUES ($1)", event.event_id)

        if await apply_once(box.pool, SINK.name, event, effect):
            applied += 1
            if applied == MESSAGES:
                done.set()

    async def consume() -> None:
        await broker.start()
        await done.wait()

    try:
        seconds = await timed(consume)
    finally:
        await broker.stop()
    return {"events": MESSAGES, "events_per_s": per_second(MESSAGES, seconds)}
