"""The consumer watchdog repairs a subscriber whose consumer is gone while the connection is
up, the state FastStream can be left in after a broker restart. The test makes that state by
cancelling the consumer underneath the subscriber, which still believes it is running."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from faststream.rabbit.subscriber import RabbitSubscriber

from contracts.events import PlacementStarted
from runtime.metrics import CONSUMER_REPAIRS
from runtime.watchdog import ConsumerWatchdog
from tests.integration.test_consumer import QUEUE, consumer, publish_event
from tests.support import eventually, placement_started

pytestmark = pytest.mark.integration


async def test_a_lost_consumer_is_recreated(amqp_url: str) -> None:
    applied: list[uuid.UUID] = []

    async def handler(event: PlacementStarted) -> None:
        applied.append(event.event_id)

    async with consumer(amqp_url, handler) as broker:
        [subscriber] = [s for s in broker.subscribers if isinstance(s, RabbitSubscriber)]
        watchdog = ConsumerWatchdog(
            amqp_url, [subscriber], connected=lambda: broker.ping(timeout=1.0), interval=0.3
        )
        repairs = CONSUMER_REPAIRS.labels(QUEUE.name)._value.get()
        watching = asyncio.create_task(watchdog.run())
        try:
            queue, tag = subscriber._queue_obj, subscriber._consumer_tag
            assert queue is not None
            assert tag is not None
            await queue.cancel(tag)  # the consumer is gone; the subscriber does not know
            assert subscriber.running
            with pytest.raises(RuntimeError, match="no consumer"):
                await watchdog.ready()

            async def repaired() -> bool:
                with contextlib.suppress(Exception):
                    await watchdog.ready()
                    return True
                return False

            await eventually(repaired, within=30)
            assert CONSUMER_REPAIRS.labels(QUEUE.name)._value.get() > repairs

            event = placement_started()
            await publish_event(amqp_url, event)

            async def applied_after_repair() -> bool:
                return applied == [event.event_id]

            await eventually(applied_after_repair)
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
