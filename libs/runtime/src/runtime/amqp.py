"""aio-pika adapters: declaring the topology, and a confirming publisher for the outbox relay."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from contracts.events import Envelope
from contracts.topology import DEAD_LETTER_EXCHANGE, Topology
from runtime.outbox import OutboxMessage
from runtime.tracing import headers_of

BROKER_ERRORS: tuple[type[Exception], ...] = (
    aiormq.exceptions.AMQPError,  # connection and channel closed, refused, timed out
    aiormq.exceptions.ChannelInvalidStateError,  # a RuntimeError: used a channel already closed
    ConnectionError,
)
"""What a loop that must outlive the broker (a consumer, a relay) waits out and retries."""


def amqp_message(
    body: bytes,
    *,
    event_id: uuid.UUID,
    event_type: str,
    correlation_id: str | None = None,
    timestamp: datetime | float | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> aio_pika.Message:
    """An event as the services put it on the broker: persistent JSON whose message id is the
    event id (what consumers and the dead-letter tools key on), with the W3C trace context in
    the headers when it has one."""
    return aio_pika.Message(
        body,
        headers=headers_of(traceparent, tracestate) or None,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(event_id),
        correlation_id=correlation_id,
        timestamp=timestamp,
        type=event_type,
    )


def event_message(event: Envelope) -> aio_pika.Message:
    """``event`` serialised as the outbox relay would publish it."""
    return amqp_message(
        event.model_dump_json().encode(),
        event_id=event.event_id,
        event_type=event.event_type,
        correlation_id=event.correlation_id,
        timestamp=event.occurred_at,
    )


async def declare_topology(channel: AbstractChannel, topology: Topology) -> None:
    """Declare exchanges, queues, dead-letter queues and bindings. Idempotent: declaring what
    exists with the same arguments is a no-op, so every service does it at start-up."""
    exchanges: dict[str, AbstractExchange] = {}
    for spec in topology.exchanges:
        exchanges[spec.name] = await channel.declare_exchange(
            spec.name, aio_pika.ExchangeType(spec.type), durable=True
        )
    for queue_spec in topology.consumer_queues:
        dead_letters = await channel.declare_queue(
            queue_spec.dead_letter_queue, durable=True, arguments=queue_spec.dead_letter_arguments
        )
        await dead_letters.bind(exchanges[DEAD_LETTER_EXCHANGE], routing_key=queue_spec.name)
        queue = await channel.declare_queue(
            queue_spec.name, durable=True, arguments=queue_spec.arguments
        )
        for key in queue_spec.binding_keys:
            await queue.bind(exchanges[queue_spec.exchange], routing_key=key)
    for stream_spec in topology.streams:
        stream = await channel.declare_queue(
            stream_spec.name, durable=True, arguments=stream_spec.arguments
        )
        for key in stream_spec.binding_keys:
            await stream.bind(exchanges[stream_spec.exchange], routing_key=key)


async def declare(url: str, topology: Topology) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        await declare_topology(await connection.channel(), topology)


class AmqpPublisher:
    """Publishes persistent, ``mandatory`` messages on a confirming channel.

    ``publish`` returns once the broker confirmed the message and raises if it was nacked or
    returned as unroutable, so the outbox never marks a message the broker did not take.
    Many publishes may be in flight at once on the one channel.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._reopening = asyncio.Lock()

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        await self._open_channel()

    async def _open_channel(self) -> AbstractChannel:
        assert self._connection is not None
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        return self._channel

    async def _usable_channel(self) -> AbstractChannel:
        """The robust connection reconnects by itself, but a channel the broker closed while
        shutting down can stay closed: then open a new one."""
        if self._channel is None or self._connection is None:
            raise RuntimeError("AmqpPublisher.connect() was not called")
        if not self._channel.is_closed:
            return self._channel
        async with self._reopening:
            if self._channel.is_closed and not self._connection.is_closed:
                return await self._open_channel()
            return self._channel

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = None

    async def ready(self) -> None:
        if self._channel is None or self._channel.is_closed:
            raise ConnectionError(f"no open channel to the broker for {self.user or 'default'}")

    @property
    def user(self) -> str:
        return aio_pika.connection.make_url(self._url).user or ""

    async def publish(self, message: OutboxMessage) -> None:
        channel = await self._usable_channel()
        if channel.is_closed:
            raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
        # aiormq's own channel: its abstract type does not declare ``wait``
        underlay = cast(aiormq.Channel, await channel.get_underlay_channel())
        amqp = amqp_message(
            message.body,
            event_id=message.event_id,
            event_type=message.event_type,
            correlation_id=message.correlation_id,
            timestamp=message.created_at,
            traceparent=message.traceparent,
            tracestate=message.tracestate,
        )
        # wait=False: queue the frames and wait for the confirm only. aio-pika's publish
        # waits, under the channel's lock, until its frames are written: the publishes of a
        # batch then go one at a time, a few turns of the event loop each, which on a busy
        # service was most of the relay's lag.
        await underlay.basic_publish(
            amqp.body,
            exchange=message.exchange,
            routing_key=message.routing_key,
            properties=amqp.properties,
            mandatory=True,
            wait=False,
        )


class PublisherPerProducer:
    """Publishes each message with its producer's own broker user, so the broker's topic
    permissions (a förvaltning may only publish ``<its code>.*``) hold for the relay too.
    Producers without their own URL use the default connection."""

    def __init__(self, default_url: str, urls_by_producer: dict[str, str]) -> None:
        self._default = AmqpPublisher(default_url)
        self._by_producer = {code: AmqpPublisher(url) for code, url in urls_by_producer.items()}

    async def connect(self) -> None:
        for publisher in (self._default, *self._by_producer.values()):
            await publisher.connect()

    async def close(self) -> None:
        for publisher in (self._default, *self._by_producer.values()):
            await publisher.close()

    async def ready(self) -> None:
        for publisher in (self._default, *self._by_producer.values()):
            await publisher.ready()

    async def publish(self, message: OutboxMessage) -> None:
        producer = message.routing_key.split(".", 1)[0]
        await self._by_producer.get(producer, self._default).publish(message)
