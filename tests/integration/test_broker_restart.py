"""Restart the real RabbitMQ node (``rabbitmqctl stop_app`` / ``start_app``) under a running
consumer and relay: consumers come back by themselves (or the watchdog re-creates them), the
relay publishes what was committed meanwhile, and nothing is lost.

It needs ``rabbitmqctl`` on this machine (CI and the development machines have it); other
tests running at the same moment see the broker go away for a few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from faststream.rabbit.subscriber import RabbitSubscriber

from contracts.events import PlacementStarted
from runtime.amqp import AmqpPublisher
from runtime.outbox import OutboxRelay, enqueue, outbox_backlog
from runtime.watchdog import ConsumerWatchdog
from tests.integration.test_consumer import QUEUE, consumer, publish_event
from tests.support import eventually, placement_started

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl here"),
]


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@contextlib.asynccontextmanager
async def broker_down() -> AsyncIterator[None]:
    await asyncio.to_thread(rabbitmqctl, "stop_app")
    try:
        yield
    finally:
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await asyncio.to_thread(rabbitmqctl, "await_startup")


async def test_consumers_and_relay_recover_from_a_broker_restart(
    amqp_url: str, pool: asyncpg.Pool, database_url: str
) -> None:
    applied: list[uuid.UUID] = []

    async def handler(event: PlacementStarted) -> None:
        applied.append(event.event_id)

    publisher = AmqpPublisher(amqp_url)
    async with consumer(amqp_url, handler) as broker:
        await publisher.connect()
        relay = asyncio.create_task(
            OutboxRelay(pool, publisher, poll_interval=0.2, listen_dsn=database_url).run()
        )
        [subscriber] = [
            s
            for s in broker.subscribers
            if isinstance(s, RabbitSubscriber) and s.queue.name == QUEUE.name
        ]
        watchdog = ConsumerWatchdog(
            amqp_url, [subscriber], connected=lambda: broker.ping(timeout=1.0), interval=1.0
        )
        watching = asyncio.create_task(watchdog.run())
        try:
            before = placement_started()
            await publish_event(amqp_url, before)

            async def first_applied() -> bool:
                return applied == [before.event_id]

            await eventually(first_applied)

            during = placement_started()
            async with broker_down():
                # A förvaltning keeps working while the broker is away: committed, not lost.
                async with pool.acquire() as conn, conn.transaction():
                    await enqueue(conn, [during])
                await asyncio.sleep(2)

            async def consumer_is_back() -> bool:
                with contextlib.suppress(Exception):
                    await watchdog.ready()
                    return True
                return False

            await eventually(consumer_is_back, within=90)

            async def outbox_empty() -> bool:
                async with pool.acquire() as conn:
                    return (await outbox_backlog(conn))[0] == 0

            await eventually(outbox_empty, within=60)
            after = placement_started()
            await publish_event(amqp_url, after)

            async def all_applied() -> bool:
                return set(applied) == {before.event_id, during.event_id, after.event_id}

            await eventually(all_applied, within=60)
        finally:
            watching.cancel()
            relay.cancel()
            for task in (watching, relay):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await publisher.close()
