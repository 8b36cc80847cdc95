"""Reading a RabbitMQ stream queue in batches.

A stream consumer sets a prefetch (basic.qos), acknowledges manually and chooses its start with
``x-stream-offset``; each message carries its offset in the ``x-stream-offset`` header. A
batch is handed over, and acknowledged (``multiple``) only after the handler returned, i.e.
after the projection and the offset were committed. Streams refuse nack and reject (the broker
closes the connection), so unhandled messages are simply left unacknowledged: the next session
starts again from the stored offset.

The connection is not the robust kind on purpose: after any loss the caller re-reads the
stored offset and starts a new consumer from there, so a broker restart cannot leave a
channel without its consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import aiormq
from aiormq.abc import AbstractChannel, DeliveredMessage

from contracts.topology import StreamQueue
from reporting.domain.intake import StreamRecord
from runtime.tracing import batch_span

OFFSET_HEADER = "x-stream-offset"

Offset = int | str  # a number, or "first" / "next" / "last"
BatchHandler = Callable[[list[StreamRecord]], Awaitable[None]]
IdleHandler = Callable[[], Awaitable[bool]]  # True: stop consuming


class ConsumerLost(ConnectionError):
    """The connection or channel closed, or the broker cancelled the consumer."""


async def declare_stream(url: str, stream: StreamQueue) -> None:
    """Declare the stream and bind it, with only what the reporting broker user may do:
    configure ``reporting.*`` and read ``city.events``. The exchange itself is the publishers'
    to declare; binding fails with NOT_FOUND until it exists."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(stream.name, durable=True, arguments=stream.arguments)
        for key in stream.binding_keys:
            await queue.bind(stream.exchange, routing_key=key)


async def consume(
    url: str,
    stream: str,
    *,
    offset: Offset,
    prefetch: int,
    batch_size: int,
    handle: BatchHandler,
    on_idle: IdleHandler,
    idle_seconds: float = 1.0,
    linger_seconds: float = 0.02,
    on_attached: Callable[[], None] = lambda: None,
) -> None:
    """Consume from ``offset`` until ``on_idle`` (called after ``idle_seconds`` without a
    message) says stop. A batch waits up to ``linger_seconds`` to fill: while catching up,
    fuller batches mean fewer transactions. Raises ``ConsumerLost`` when the broker side goes
    away."""
    connection = await aio_pika.connect(url)
    lost = asyncio.Event()

    def on_lost(*_: Any) -> None:
        lost.set()

    connection.close_callbacks.add(on_lost)
    try:
        channel = await connection.channel()
        channel.close_callbacks.add(on_lost)
        # aio-pika wraps every delivery in an IncomingMessage; at stream speed that wrapper
        # costs more than the projection, so consume and acknowledge on aiormq's channel.
        amqp = await channel.get_underlay_channel()
        amqp.on_consumer_cancel_callbacks.add(on_lost)
        await amqp.basic_qos(prefetch_count=prefetch)
        buffer: asyncio.Queue[DeliveredMessage] = asyncio.Queue()

        async def on_message(message: DeliveredMessage) -> None:
            buffer.put_nowait(message)  # deliveries start in order; nothing awaits before this

        await amqp.basic_consume(stream, on_message, arguments={OFFSET_HEADER: offset})
        on_attached()
        while True:
            first = await _next(buffer, lost, idle_seconds)
            if first is None:
                if await on_idle():
                    return
                continue
            batch = await _fill(buffer, first, batch_size, linger_seconds)
            with _traced(stream, batch):
                await handle([_record(message) for message in batch])
            await _acknowledge(amqp, batch[-1])
    finally:
        with contextlib.suppress(Exception):
            await connection.close()


async def _acknowledge(amqp: AbstractChannel, last: DeliveredMessage) -> None:
    """Acknowledge a committed batch. If the channel closed meanwhile the batch is committed
    with its offset anyway, so the next session simply starts after it."""
    try:
        await amqp.basic_ack(_delivery_tag(last), multiple=True)
    except aiormq.exceptions.ChannelInvalidStateError as error:
        raise ConsumerLost(f"acknowledgement on a closed channel: {error}") from error


async def _next(
    buffer: asyncio.Queue[DeliveredMessage], lost: asyncio.Event, idle_seconds: float
) -> DeliveredMessage | None:
    """The next message; None after ``idle_seconds`` without one; raises once the consumer is
    lost. Messages already buffered are still handed out: their batch commits with its offset,
    its acknowledgement then fails, and the next session starts after that offset."""
    if not buffer.empty():
        return buffer.get_nowait()
    if lost.is_set():
        raise ConsumerLost("the stream consumer's connection or channel closed")
    getter = asyncio.ensure_future(buffer.get())
    watcher = asyncio.ensure_future(lost.wait())
    try:
        done, _ = await asyncio.wait(
            {getter, watcher}, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (getter, watcher):
            task.cancel()
    if getter in done:
        return getter.result()
    if watcher in done:
        raise ConsumerLost("the stream consumer's connection or channel closed")
    return None


async def _fill(
    buffer: asyncio.Queue[DeliveredMessage],
    first: DeliveredMessage,
    batch_size: int,
    linger_seconds: float,
) -> list[DeliveredMessage]:
    batch = [first]
    deadline = asyncio.get_running_loop().time() + linger_seconds
    while len(batch) < batch_size:
        if not buffer.empty():
            batch.append(buffer.get_nowait())
            continue
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        try:
            async with asyncio.timeout(remaining):
                batch.append(await buffer.get())
        except TimeoutError:
            break
    return batch


def _delivery_tag(message: DeliveredMessage) -> int:
    tag = getattr(message.delivery, "delivery_tag", None)
    if not isinstance(tag, int):
        raise ConsumerLost("a delivery without a delivery tag")
    return tag


def _traced(
    stream: str, batch: list[DeliveredMessage]
) -> contextlib.AbstractContextManager[object]:
    """One span per batch, not per message: the ingest is thousands a second."""
    return batch_span(
        f"{stream} process",
        (_headers(message) for message in batch),  # read only while tracing is on
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.destination.name": stream,
            "messaging.batch.message_count": len(batch),
        },
    )


def _headers(message: DeliveredMessage) -> dict[str, Any]:
    return message.header.properties.headers or {}


def _record(message: DeliveredMessage) -> StreamRecord:
    headers = _headers(message)
    offset = headers.get(OFFSET_HEADER)
    if not isinstance(offset, int):
        raise ConsumerLost(f"a message without {OFFSET_HEADER}: is this queue a stream?")
    return StreamRecord(offset=offset, routing_key=message.routing_key or "", body=message.body)
