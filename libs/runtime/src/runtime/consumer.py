"""How consumer queues treat a message that cannot be handled.

- It cannot be parsed or validated (or its ``producer`` does not match its routing key): it goes
  to the queue's dead-letter queue at once, with the reason in the ``x-death-reason`` and
  ``x-error`` headers. Retrying would not help.
- The handler raised: it is returned to the queue after a back-off (doubling from
  ``backoff`` up to ``backoff_max``) and tried again; on the attempt that reaches the queue's
  ``x-delivery-limit`` it is dead-lettered with the error instead.
- The process dies mid-handling: the broker redelivers it, and its own ``x-delivery-limit``
  dead-letters a message that keeps killing consumers.
- The database is unreachable: that is no fault of the message, so it spends none of its
  attempts. The handler holds it (unacknowledged, within the prefetch, so no more arrive) and
  tries again with the same back-off until the database answers.

Dead-lettering publishes a copy (confirmed) before acknowledging the original, so a crash in
between leaves a duplicate, never a loss. FastStream 0.7 middlewares are broker-wide: this one
acts only on the consumer queues of the topology it was given.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiormq
import pydantic
import structlog
from aio_pika import IncomingMessage
from faststream import BaseMiddleware, StreamMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.rabbit.subscriber import RabbitSubscriber

from contracts.events import UnknownEventType, producer_mismatch
from contracts.topology import DEAD_LETTER_EXCHANGE, ConsumerQueue, Topology
from runtime.logging import get_logger
from runtime.metrics import EVENTS_DEAD_LETTERED, EVENTS_FAILED, EVENTS_HELD
from runtime.postgres import unreachable

if TYPE_CHECKING:
    from faststream.rabbit.schemas.queue import QuorumQueueArgs

log = get_logger(__name__)

_T = TypeVar("_T")

# Why a message was dead-lettered (the ``x-death-reason`` header), the same in every service;
# the error's type is in ``x-error-type``.
MALFORMED = "malformed"  # not a JSON object
INVALID = "invalid"  # an object that is not a valid event (schema, unknown type, rules)
PRODUCER_MISMATCH = "producer-mismatch"  # producer is not the routing key's organisation
DELIVERY_LIMIT = "delivery-limit"  # the handler failed on every attempt
REASONS = (MALFORMED, INVALID, PRODUCER_MISMATCH, DELIVERY_LIMIT)
ORIGINAL_ROUTING_KEY = "x-original-routing-key"


class RejectedEvent(ValueError):
    """A message no retry can fix: raise it from a handler to dead-letter at once."""

    reason = INVALID


class MalformedEvent(RejectedEvent):
    reason = MALFORMED


class ProducerMismatch(RejectedEvent):
    reason = PRODUCER_MISMATCH


def error_type(error: BaseException) -> str:
    """The type an operator looks for: a domain error a handler wrapped in a
    ``RejectedEvent`` (``raise RejectedEvent(...) from error``) is named, not the wrapper."""
    if isinstance(error, RejectedEvent) and error.__cause__ is not None:
        return type(error.__cause__).__name__
    return type(error).__name__


def rejection_reason(error: BaseException) -> str | None:
    """The dead-letter reason for an error no retry can fix; None for any other error."""
    if isinstance(error, RejectedEvent):
        return error.reason
    if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
        return MALFORMED
    if isinstance(error, pydantic.ValidationError | UnknownEventType):
        return INVALID
    return None


async def held_while_unreachable(
    attempt: Callable[[], Awaitable[_T]], queue: str, retry_delay: Callable[[int], float]
) -> _T:
    """``attempt`` again and again while the database cannot be reached: that is no fault of
    the messages, so they stay unacknowledged and spend none of their attempts."""
    waited = 0
    while True:
        try:
            return await attempt()
        except Exception as error:
            if not unreachable(error):
                raise
            waited += 1
            delay = retry_delay(waited)
            EVENTS_HELD.labels(queue).inc()
            log.warning(
                "database unreachable, holding the message",
                queue=queue,
                retry_in=delay,
                error=repr(error),
            )
            await asyncio.sleep(delay)


def checked_envelope(body: Any, routing_key: str) -> dict[str, Any]:
    """The decoded body, if it is a JSON object from the organisation its routing key names;
    raises what dead-letters it otherwise (its fields are validated by the handler's model)."""
    if not isinstance(body, dict):
        raise MalformedEvent("the body is not a JSON object")
    producer = body.get("producer")
    mismatch = producer_mismatch(producer, routing_key)
    if producer is not None and mismatch is not None:
        raise ProducerMismatch(mismatch)
    return body


def delivery_count(message: IncomingMessage) -> int:
    """Earlier deliveries of this message, as counted by the quorum queue."""
    return deliveries_before(message.headers)


def deliveries_before(headers: Mapping[str, Any] | None) -> int:
    value = (headers or {}).get("x-delivery-count", 0)
    return int(value) if isinstance(value, int | str) else 0


def routing_key_of(message: IncomingMessage) -> str:
    """The key it was first published with (a replayed dead letter keeps it in a header)."""
    return original_routing_key(message.headers, message.routing_key)


def original_routing_key(headers: Mapping[str, Any] | None, routing_key: str | None) -> str:
    original = (headers or {}).get(ORIGINAL_ROUTING_KEY)
    return str(original) if original else (routing_key or "")


def dead_letter_headers(
    headers: Mapping[str, Any] | None,
    queue: ConsumerQueue,
    reason: str,
    error: BaseException,
    exchange: str | None,
    routing_key: str,
) -> dict[str, Any]:
    """The message's headers with why, when and from where it was dead-lettered."""
    return {
        **(headers or {}),
        "x-death-reason": reason,
        "x-error": f"{type(error).__name__}: {error}"[:4000],
        "x-error-type": error_type(error),
        "x-failed-queue": queue.name,
        "x-dead-lettered-at": datetime.now(UTC).isoformat(),
        "x-original-exchange": exchange or "",
        ORIGINAL_ROUTING_KEY: routing_key,
    }


class DeliveryPolicy:
    """Broker middleware factory: ``RabbitBroker(middlewares=[DeliveryPolicy(topology)])``."""

    def __init__(
        self, topology: Topology, *, backoff: float = 0.5, backoff_max: float = 30.0
    ) -> None:
        self.queues = {q.name: q for q in topology.consumer_queues}
        self.backoff = backoff
        self.backoff_max = backoff_max

    def retry_delay(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))

    def __call__(self, msg: Any, /, *, context: Any) -> _DeliveryPolicyMiddleware:
        return _DeliveryPolicyMiddleware(msg, context=context, policy=self)


class _DeliveryPolicyMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: DeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy
        self.queue: ConsumerQueue | None = None

    async def on_receive(self) -> None:
        subscriber = self.context.get("handler_")
        if isinstance(subscriber, RabbitSubscriber):
            self.queue = self.policy.queues.get(subscriber.queue.name)
        if isinstance(self.msg, IncomingMessage):
            # Each delivery runs in its own task, so bindings stay with this message.
            structlog.contextvars.bind_contextvars(event_id=self.msg.message_id)

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        body = await msg.decode()  # cached: the handler's own parsing does not decode again
        if isinstance(body, dict):
            structlog.contextvars.bind_contextvars(
                event_id=body.get("event_id"), correlation_id=body.get("correlation_id")
            )
        if self.queue is not None and isinstance(self.msg, IncomingMessage):
            checked_envelope(body, routing_key_of(self.msg))
        return await self._while_unreachable(call_next, msg)

    async def _while_unreachable(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        if self.queue is None:
            return await call_next(msg)
        return await held_while_unreachable(
            lambda: call_next(msg), self.queue.name, self.policy.retry_delay
        )

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        queue, message = self.queue, self.msg
        if queue is None or not isinstance(message, IncomingMessage):
            return False
        if exc_val is None:
            await message.ack()
            return False
        if isinstance(exc_val, asyncio.CancelledError):
            return False  # shutting down: the broker redelivers the unacknowledged message
        reason = rejection_reason(exc_val)
        if reason is not None:
            await self._dead_letter(queue, message, reason, exc_val)
            return True
        attempt = delivery_count(message) + 1
        EVENTS_FAILED.labels(queue.name, type(exc_val).__name__).inc()
        if attempt >= queue.delivery_limit:
            await self._dead_letter(queue, message, DELIVERY_LIMIT, exc_val)
            return True
        delay = self.policy.retry_delay(attempt)
        log.warning(
            "handler failed, will retry",
            queue=queue.name,
            message_id=message.message_id,
            attempt=attempt,
            retry_in=delay,
            error=repr(exc_val),
        )
        await asyncio.sleep(delay)
        await message.nack(requeue=True)
        return True

    async def _dead_letter(
        self, queue: ConsumerQueue, message: IncomingMessage, reason: str, error: BaseException
    ) -> None:
        broker: RabbitBroker = self.context.get("broker")
        headers = dead_letter_headers(
            message.headers, queue, reason, error, message.exchange, routing_key_of(message)
        )
        confirmation = await broker.publish(
            message.body,
            exchange=RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, declare=False),
            routing_key=queue.name,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            message_type=message.type,
            persist=True,
            mandatory=True,
        )
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            raise RuntimeError(f"dead-letter publish to {queue.dead_letter_queue} not confirmed")
        await message.ack()
        EVENTS_DEAD_LETTERED.labels(queue.name, reason).inc()
        log.error(
            "message dead-lettered",
            queue=queue.name,
            message_id=message.message_id,
            reason=reason,
            error=headers["x-error"],
        )


def subscribe(broker: RabbitBroker, queue: ConsumerQueue, **options: Any) -> RabbitSubscriber:
    """A subscriber on a topology consumer queue (declared beforehand by ``declare_topology``;
    the exchange and first binding are given for the AsyncAPI document). The delivery policy
    acknowledges, so FastStream's own acknowledgement is off."""
    return broker.subscriber(
        RabbitQueue(
            queue.name,
            queue_type=QueueType.QUORUM,
            arguments=cast("QuorumQueueArgs", queue.arguments),
            declare=False,
            routing_key=queue.binding_keys[0],
        ),
        RabbitExchange(queue.exchange, type=ExchangeType.TOPIC, declare=False),
        ack_policy=AckPolicy.MANUAL,
        **options,
    )
