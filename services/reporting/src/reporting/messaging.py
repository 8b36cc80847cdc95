"""The reporting service's side of the event stream, as FastStream sees it, for the AsyncAPI
document only: the stream is consumed with aio-pika (``reporting.adapters.stream``), because
the consumer commits batches with their stream offset and resumes from the stored offset,
which FastStream's subscriber (one message per handler call, offset fixed at subscription)
does not express. Nothing here connects to a broker."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from contracts.events import CITY_WIDE_EVENTS
from contracts.topology import REPORTING_CITY_STREAM

if TYPE_CHECKING:
    from faststream.rabbit.schemas.queue import StreamQueueArgs


def create_broker(amqp_url: str) -> RabbitBroker:
    broker = RabbitBroker(
        amqp_url,
        log_level=logging.DEBUG,
        description="Reporting (ASF): reads every city-wide event from a replayable stream.",
    )
    stream = REPORTING_CITY_STREAM
    for event in CITY_WIDE_EVENTS:

        async def document_only(message: Any) -> None:  # pragma: no cover - never consumed
            raise NotImplementedError

        document_only.__annotations__["message"] = event
        broker.subscriber(
            RabbitQueue(
                stream.name,
                queue_type=QueueType.STREAM,
                arguments=cast("StreamQueueArgs", stream.arguments),
                declare=False,
                routing_key=f"*.{event.type_name()}",
            ),
            RabbitExchange(stream.exchange, type=ExchangeType.TOPIC, declare=False),
            title=f"{stream.name}:{event.type_name()}",
            description=(
                f"{(event.__doc__ or event.type_name()).strip()} Read from the stream "
                "`reporting.city-stream` (x-stream-offset: the stored offset + 1)."
            ),
        )(document_only)
    return broker
