"""Consuming topology queues in batches, on aiormq's channel rather than through FastStream:
for a consumer whose events are cheap to apply together, FastStream's work per message (a
task, the middlewares, dependency injection, aio-pika's message wrapper) costs more than the
event itself.

Each queue has a channel of its own (delivery tags, so acknowledgements of many at once, are
per channel) and one worker. The worker takes what has been delivered (up to ``batch_size``),
parses it, applies the events as one batch and acknowledges them. The delivery policy is the
one :mod:`runtime.consumer` gives FastStream's subscribers:

- not an event (not JSON, not valid, another organisation's): dead-lettered at once;
- the batch fails: its events are applied one by one; an event's own error is retried after a
  back-off (returned to the queue), dead-lettered at the delivery limit, or dead-lettered at
  once when no retry can fix it (:class:`~runtime.consumer.RejectedEvent`);
- the database is unreachable: the messages are held, unacknowledged, and tried again with
  the same back-off, spending none of their attempts;
- the connection, a channel or a consumer is lost: the session ends, what was not
  acknowledged returns to the queue, and a new session starts after ``reconnect_seconds``.
  The connection is not the robust kind on purpose: a channel restored without its consumer
  would leave the queue silently unconsumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from aiormq.abc import AbstractChannel as AmqpChannel
from aiormq.abc import DeliveredMessage
from opentelemetry.trace import SpanKind

from contracts.topology import DEAD_LETTER_EXCHANGE, ConsumerQueue
from runtime.amqp import BROKER_ERRORS
from runtime.consumer import (
    DELIVERY_LIMIT,
    checked_envelope,
    dead_letter_headers,
    deliveries_before,
    held_while_unreachable,
    original_routing_key,
    rejection_reason,
)
from runtime.logging import get_logger
from runtime.metrics import EVENTS_DEAD_LETTERED, EVENTS_FAILED, QUEUE_CONSUMERS
from runtime.tracing import TRACEPARENT, TRACESTATE, batch_span, context_from, span

log = get_logger(__name__)

_E = TypeVar("_E")


@dataclass(frozen=True)
class Received(Generic[_E]):
    """A parsed event with its message's headers (the trace context travels in them)."""

    event: _E
    headers: Mapping[str, Any]


@dataclass(frozen=True)
class Route(Generic[_E]):
    """A queue and what to do with its events. ``parse`` makes the event of a checked JSON
    object (a validation error dead-letters the message). ``apply_batch`` applies many in one
    transaction; ``apply_one`` is its fallback, one event per transaction."""

    queue: ConsumerQueue
    parse: Callable[[dict[str, Any]], _E]
    apply_batch: Callable[[Sequence[Received[_E]]], Awaitable[object]]
    apply_one: Callable[[Received[_E]], Awaitable[object]]


class ConsumerLost(ConnectionError):
    """The connection or a channel closed, or the broker cancelled a consumer."""


# What ends a session but not the consumer: the broker away, unreachable, slow to answer.
_SESSION_ENDS: tuple[type[Exception], ...] = (ConsumerLost, TimeoutError, OSError, *BROKER_ERRORS)


@dataclass(frozen=True)
class Policy:
    prefetch: int = 256
    batch_size: int = 256
    backoff: float = 0.5
    backoff_max: float = 30.0
    reconnect_seconds: float = 2.0
    linger_seconds: float = 0.001

    def retry_delay(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))


class QueueConsumer:
    def __init__(self, url: str, routes: Sequence[Route[Any]], policy: Policy = Policy()) -> None:
        self._url = url
        self._routes = routes
        self._policy = policy
        self.attached = False
        self.last_error: str | None = None

    async def run(self) -> None:
        """Consume until cancelled, starting a new session after any loss of the broker."""
        while True:
            try:
                await self._session()
            except _SESSION_ENDS as error:
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("queue consumer restarts", error=self.last_error)
            await asyncio.sleep(self._policy.reconnect_seconds)

    async def ready(self) -> None:
        """A readiness check: every queue has this consumer attached."""
        if not self.attached:
            raise ConnectionError(self.last_error or "not consuming (yet)")

    async def _session(self) -> None:
        connection = await aio_pika.connect(self._url)
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        try:
            dead_letters = await connection.channel(publisher_confirms=True, on_return_raises=True)
            workers = [
                await self._attach(connection, route, lost, dead_letters) for route in self._routes
            ]
            self._set_attached(True)
            await _until_lost(lost, [worker.run() for worker in workers])
        finally:
            self._set_attached(False)
            with contextlib.suppress(Exception):
                await connection.close()

    async def _attach(
        self,
        connection: AbstractConnection,
        route: Route[Any],
        lost: asyncio.Event,
        dead_letters: AbstractChannel,
    ) -> _Worker[Any]:
        channel = await connection.channel()
        channel.close_callbacks.add(lambda *_: lost.set())
        # aio-pika wraps every delivery in an IncomingMessage; aiormq's channel does not
        amqp = await channel.get_underlay_channel()
        amqp.on_consumer_cancel_callbacks.add(lambda *_: lost.set())
        await amqp.basic_qos(prefetch_count=self._policy.prefetch)
        worker = _Worker(route, amqp, dead_letters, self._policy)
        await amqp.basic_consume(route.queue.name, worker.receive)
        return worker

    def _set_attached(self, attached: bool) -> None:
        self.attached = attached
        if attached:
            self.last_error = None
        for route in self._routes:
            QUEUE_CONSUMERS.labels(route.queue.name).set(int(attached))


async def _until_lost(lost: asyncio.Event, work: list[Awaitable[None]]) -> None:
    """Run the workers until the broker side goes away; a worker's own error ends it too."""
    watcher = asyncio.ensure_future(lost.wait())
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        done, _ = await asyncio.wait([watcher, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not watcher:
                task.result()
        raise ConsumerLost("the consumer's connection, a channel or a consumer closed")
    finally:
        for task in (watcher, *tasks):
            task.cancel()
        await asyncio.gather(watcher, *tasks, return_exceptions=True)


class _Worker(Generic[_E]):
    """One queue's batches, on its own channel."""

    def __init__(
        self, route: Route[_E], amqp: AmqpChannel, dead_letters: AbstractChannel, policy: Policy
    ) -> None:
        self._route = route
        self._queue = route.queue
        self._amqp = amqp
        self._dead_letters = dead_letters
        self._policy = policy
        self._buffer: asyncio.Queue[DeliveredMessage] = asyncio.Queue()
        self._retrying: dict[int, asyncio.Task[None]] = {}  # by delivery tag

    async def receive(self, message: DeliveredMessage) -> None:
        self._buffer.put_nowait(message)  # nothing awaits before this: deliveries keep order

    async def run(self) -> None:
        try:
            while True:
                batch = [await self._buffer.get()]
                if self._buffer.empty():
                    # a moment for the deliveries on their way to join: one transaction for
                    # many is cheaper than one each, and at a quiet time it costs a millisecond
                    await asyncio.sleep(self._policy.linger_seconds)
                while len(batch) < self._policy.batch_size and not self._buffer.empty():
                    batch.append(self._buffer.get_nowait())
                await self._handle(batch)
        finally:
            for task in self._retrying.values():
                task.cancel()

    async def _handle(self, messages: list[DeliveredMessage]) -> None:
        parsed: list[tuple[DeliveredMessage, Received[_E]]] = []
        failed: list[tuple[DeliveredMessage, Exception]] = []
        for message in messages:
            try:
                parsed.append((message, self._parse(message)))
            except Exception as invalid:  # not an event: dead-lettered below
                failed.append((message, invalid))
        with _traced(self._queue, messages):
            outcomes = await self._apply([received for _, received in parsed])
        failed += [(m, e) for (m, _), e in zip(parsed, outcomes, strict=True) if e is not None]
        done = [m for (m, _), e in zip(parsed, outcomes, strict=True) if e is None]
        await self._acknowledge(done, all_of_batch=not failed)
        for message, error in failed:
            await self._failed(message, error)

    def _parse(self, message: DeliveredMessage) -> Received[_E]:
        headers = _headers(message)
        routing_key = original_routing_key(headers, message.routing_key)
        body = checked_envelope(json.loads(message.body), routing_key)
        return Received(self._route.parse(body), headers)

    async def _apply(self, items: list[Received[_E]]) -> list[Exception | None]:
        """Each item's error, or None once applied: as one batch, or one by one if it fails."""
        if not items:
            return []
        error = await self._held_while_unreachable(lambda: self._route.apply_batch(items))
        if error is None:
            return [None] * len(items)
        if len(items) == 1:
            return [error]
        log.info("batch failed, applying its items one by one", error=repr(error))
        return [
            await self._held_while_unreachable(partial(self._route.apply_one, item))
            for item in items
        ]

    async def _held_while_unreachable(
        self, apply: Callable[[], Awaitable[object]]
    ) -> Exception | None:
        """The error of ``apply``, or None; held while the database is away."""
        try:
            await held_while_unreachable(apply, self._queue.name, self._policy.retry_delay)
        except Exception as error:
            return error
        return None

    async def _acknowledge(self, messages: list[DeliveredMessage], *, all_of_batch: bool) -> None:
        if not messages:
            return
        last = _tag(messages[-1])
        # One acknowledgement for the whole batch, unless it would also cover a message that
        # waits for its retry (or one of this batch that failed).
        if all_of_batch and not any(tag < last for tag in self._retrying):
            await self._amqp.basic_ack(last, multiple=True)
            return
        for message in messages:
            await self._amqp.basic_ack(_tag(message))

    async def _failed(self, message: DeliveredMessage, error: Exception) -> None:
        reason = rejection_reason(error)
        attempt = deliveries_before(_headers(message)) + 1
        if reason is None:
            EVENTS_FAILED.labels(self._queue.name, type(error).__name__).inc()
            if attempt >= self._queue.delivery_limit:
                reason = DELIVERY_LIMIT
        if reason is not None and await self._dead_letter(message, reason, error):
            return
        delay = self._policy.retry_delay(attempt)
        log.warning(
            "handler failed, will retry",
            queue=self._queue.name,
            message_id=message.header.properties.message_id,
            attempt=attempt,
            retry_in=delay,
            error=repr(error),
        )
        tag = _tag(message)
        self._retrying[tag] = asyncio.create_task(self._retry(tag, delay))

    async def _retry(self, tag: int, delay: float) -> None:
        """Back to the queue after the back-off (the quorum queue counts the delivery)."""
        try:
            await asyncio.sleep(delay)
            await self._amqp.basic_nack(tag, requeue=True)
        except BROKER_ERRORS:
            pass  # the channel is gone, and the message went back to the queue with it
        finally:
            self._retrying.pop(tag, None)

    async def _dead_letter(self, message: DeliveredMessage, reason: str, error: Exception) -> bool:
        """A confirmed copy in the dead-letter queue first, then the acknowledgement: a crash
        in between leaves a duplicate there, never a loss. False if the copy was refused (the
        message is then retried like a failure)."""
        try:
            await self._publish_dead_letter(message, reason, error)
        except aio_pika.exceptions.DeliveryError as refused:
            log.error("dead letter refused", queue=self._queue.name, error=repr(refused))
            return False
        await self._amqp.basic_ack(_tag(message))
        return True

    async def _publish_dead_letter(
        self, message: DeliveredMessage, reason: str, error: Exception
    ) -> None:
        properties = message.header.properties
        exchange = await self._dead_letters.get_exchange(DEAD_LETTER_EXCHANGE, ensure=False)
        headers = dead_letter_headers(
            properties.headers,
            self._queue,
            reason,
            error,
            message.exchange,
            original_routing_key(properties.headers, message.routing_key),
        )
        await exchange.publish(
            aio_pika.Message(
                message.body,
                headers=headers,
                content_type=properties.content_type,
                message_id=properties.message_id,
                correlation_id=properties.correlation_id,
                type=properties.message_type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=self._queue.name,
            mandatory=True,
        )
        EVENTS_DEAD_LETTERED.labels(self._queue.name, reason).inc()
        log.error(
            "message dead-lettered",
            queue=self._queue.name,
            message_id=properties.message_id,
            reason=reason,
            error=headers["x-error"],
        )


def _traced(
    queue: ConsumerQueue, messages: list[DeliveredMessage]
) -> contextlib.AbstractContextManager[object]:
    """The consumer span: a lone message's own, inside its trace (as FastStream names it); a
    batch's, in the first message's trace and linked to every message's."""
    attributes = {"messaging.system": "rabbitmq", "messaging.destination.name": queue.name}
    if len(messages) > 1:
        return batch_span(
            f"{queue.name} process",
            (_headers(message) for message in messages),  # read only while tracing is on
            attributes={**attributes, "messaging.batch.message_count": len(messages)},
        )
    [message] = messages
    headers = _headers(message)
    attributes["messaging.message.id"] = message.header.properties.message_id or ""
    return span(
        f"{message.exchange}.{message.routing_key} process",
        parent=context_from(headers.get(TRACEPARENT), headers.get(TRACESTATE)),
        kind=SpanKind.CONSUMER,
        attributes={
            **attributes,
            "messaging.message.id": message.header.properties.message_id or "",
        },
    )


def _headers(message: DeliveredMessage) -> dict[str, Any]:
    return message.header.properties.headers or {}


def _tag(message: DeliveredMessage) -> int:
    tag = message.delivery_tag
    if tag is None:
        raise ConsumerLost("a delivery without a delivery tag")
    return tag
