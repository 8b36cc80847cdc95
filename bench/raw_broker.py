"""The ceiling: plain aio-pika, persistent messages, publisher confirms, a quorum queue."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika

from bench.common import MESSAGES, SINK, Sandbox, per_second, timed
from contracts.topology import EVENTS_EXCHANGE
from tools.samples import placement_started

IN_FLIGHT = 500  # unconfirmed publishes at once; the outbox relay's batch size


async def publish_confirmed(amqp_url: str, bodies: list[bytes], routing_key: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        for start in range(0, len(bodies), IN_FLIGHT):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=routing_key,
                        mandatory=True,
                    )
                    for body in bodies[start : start + IN_FLIGHT]
                )
            )


async def consume_all(amqp_url: str, queue_name: str, count: int, prefetch: int = 64) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.get_queue(queue_name)
        done = asyncio.Event()
        received = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == count:
                done.set()

        tag = await queue.consume(on_message)
        await done.wait()
        await queue.cancel(tag)


def sample_bodies(count: int) -> list[bytes]:
    return [placement_started().model_dump_json().encode() for _ in range(count)]


async def measure(box: Sandbox) -> dict[str, Any]:
    bodies = sample_bodies(MESSAGES)
    publish_s = await timed(
        lambda: publish_confirmed(box.amqp_url, bodies, "servicef.PlacementStarted")
    )
    consume_s = await timed(lambda: consume_all(box.amqp_url, SINK.name, MESSAGES))
    return {
        "messages": MESSAGES,
        "body_bytes": len(bodies[0]),
        "publish_per_s": per_second(MESSAGES, publish_s),
        "consume_per_s": per_second(MESSAGES, consume_s),
    }
