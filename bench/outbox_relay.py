"""Outbox relay: committed rows to broker-confirmed publishes, per second."""

from __future__ import annotations

from typing import Any

from bench.common import MESSAGES, SINK, Sandbox, per_second, timed
from bench.raw_broker import consume_all
from runtime.amqp import AmqpPublisher
from runtime.outbox import OutboxRelay, enqueue
from tools.samples import placement_started


async def fill_outbox(box: Sandbox, count: int) -> None:
    async with box.pool.acquire() as conn:
        for start in range(0, count, 1000):
            async with conn.transaction():
                await enqueue(conn, [placement_started() for _ in range(min(1000, count - start))])


async def measure(box: Sandbox) -> dict[str, Any]:
    await fill_outbox(box, MESSAGES)
    publisher = AmqpPublisher(box.amqp_url)
    await publisher.connect()
    relay = OutboxRelay(box.pool, publisher, batch_size=500)

    async def drain() -> None:
        while await relay.publish_pending():
            pass

    try:
        seconds = await timed(drain)
    finally:
        await publisher.close()
    await consume_all(box.amqp_url, SINK.name, MESSAGES)  # empty the sink for the next one
    return {"rows": MESSAGES, "rows_per_s": per_second(MESSAGES, seconds)}
