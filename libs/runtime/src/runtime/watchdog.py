"""Consumers that vanish: after a broker node restart the connection may recover while a
FastStream subscriber's consumer is not re-created, so the queue silently has no consumer.
The watchdog asks the broker, repairs by restarting the subscriber, and counts the repair
(an alert fires on queues with zero consumers, see deploy/prometheus).

It repairs only while the service's own connection is up, and only after the queue was seen
without a consumer twice in a row: aio-pika's robust connection re-creates consumers by
itself a few seconds after the broker is back, and restarting a subscriber in the middle of
that (or while the connection is down) can leave it stopped while a restored consumer still
delivers to it, unacknowledged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import aio_pika
from faststream.rabbit.subscriber import RabbitSubscriber

from runtime.logging import get_logger
from runtime.metrics import CONSUMER_REPAIRS, QUEUE_CONSUMERS

log = get_logger(__name__)


class ConsumerWatchdog:
    def __init__(
        self,
        amqp_url: str,
        subscribers: list[RabbitSubscriber],
        connected: Callable[[], Awaitable[bool]],
        *,
        interval: float = 5.0,
        patience: int = 2,
    ) -> None:
        self._url = amqp_url
        self._subscribers = subscribers
        self._connected = connected
        self._interval = interval
        self._patience = patience
        self._missing: dict[str, int] = {}
        self.consumers: dict[str, int] = {}

    async def run(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # broker away: try again next round
                await self.check_and_repair()
            await asyncio.sleep(self._interval)

    async def check_and_repair(self) -> None:
        self.consumers = await self._count()
        for subscriber in self._subscribers:
            name = subscriber.queue.name
            QUEUE_CONSUMERS.labels(name).set(self.consumers[name])
            broken = self.consumers[name] == 0 or not subscriber.running
            self._missing[name] = self._missing.get(name, 0) + 1 if broken else 0
            if self._missing[name] >= self._patience and await self._connected():
                await self._restart(subscriber)
                self._missing[name] = 0

    async def _restart(self, subscriber: RabbitSubscriber) -> None:
        name = subscriber.queue.name
        log.warning("queue has no working consumer, restarting its subscriber", queue=name)
        CONSUMER_REPAIRS.labels(name).inc()
        async with asyncio.timeout(30):
            with contextlib.suppress(Exception):
                await subscriber.stop()
            await subscriber.start()  # if this fails, a later round tries again

    async def ready(self) -> None:
        """A readiness check: every queue of this service has a consumer right now."""
        counts = await self._count()
        empty = sorted(name for name, count in counts.items() if count == 0)
        if empty:
            raise RuntimeError(f"no consumer on {', '.join(empty)}")

    async def _count(self) -> dict[str, int]:
        connection = await aio_pika.connect(self._url, timeout=2)
        async with connection:
            channel = await connection.channel()
            counts = {}
            for subscriber in self._subscribers:
                declared = await channel.declare_queue(subscriber.queue.name, passive=True)
                counts[subscriber.queue.name] = declared.declaration_result.consumer_count or 0
            return counts
