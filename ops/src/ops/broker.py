"""What operators ask the broker: queue figures, and dead letters to read, replay or purge."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aio_pika
import httpx
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from contracts.topology import DEAD_LETTER_EXCHANGE, DEAD_LETTER_SUFFIX, Topology
from runtime.consumer import ORIGINAL_ROUTING_KEY

Counts = tuple[int, int | None, int]
"""A queue's ready messages, unacknowledged ones (None when unknown) and consumers."""


@dataclass(frozen=True)
class QueueFigures:
    name: str
    kind: str
    ready: int
    unacknowledged: int | None  # None when only AMQP could be asked
    consumers: int
    dead_lettered: int | None  # messages in this queue's dead-letter queue
    oldest_dead_letter_age: float | None  # seconds


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    event_type: str
    reason: str
    error: str
    failed_queue: str
    original_routing_key: str
    dead_lettered_at: str
    headers: dict[str, Any]
    body: bytes

    @property
    def age_seconds(self) -> float | None:
        try:
            return time.time() - datetime.fromisoformat(self.dead_lettered_at).timestamp()
        except ValueError:
            return None  # the broker's own x-death time is not ISO text

    def pretty_body(self) -> str:
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:
            return repr(self.body)


def is_dead_letter_queue(name: str) -> bool:
    return name.endswith(DEAD_LETTER_SUFFIX)


class Broker:
    def __init__(self, amqp_url: str, management_url: str | None, auth: tuple[str, str]) -> None:
        self.amqp_url = amqp_url
        self.management_url = management_url
        self.auth = auth
        self.vhost = aio_pika.connection.make_url(amqp_url).path.lstrip("/") or "/"

    @asynccontextmanager
    async def channel(self) -> AsyncIterator[AbstractChannel]:
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            yield await connection.channel(publisher_confirms=True)

    async def queues(self, topology: Topology) -> list[QueueFigures]:
        """Figures for every queue of the topology (and its dead-letter queue): from the
        management API when it answers, otherwise from AMQP (no unacknowledged count)."""
        consumer_queues, streams = topology.consumer_queues, topology.streams
        counts = await self._management_counts() if self.management_url else None
        if counts is None:
            counts = await self._amqp_counts(
                [q.name for q in consumer_queues]
                + [s.name for s in streams]
                + [q.dead_letter_queue for q in consumer_queues]
            )
        figures = [
            await self._figures(q.name, "quorum", q.dead_letter_queue, counts)
            for q in consumer_queues
        ]
        return figures + [await self._figures(s.name, "stream", None, counts) for s in streams]

    async def _figures(
        self, name: str, kind: str, dead_letter_queue: str | None, counts: dict[str, Counts]
    ) -> QueueFigures:
        ready, unacked, consumers = counts.get(name, (0, None, 0))
        dead: int | None = None  # no dead-letter queue (a stream), or it does not exist
        oldest: float | None = None
        if dead_letter_queue is not None and dead_letter_queue in counts:
            dead = counts[dead_letter_queue][0]
            oldest = await self.oldest_dead_letter_age(dead_letter_queue) if dead else None
        return QueueFigures(name, kind, ready, unacked, consumers, dead, oldest)

    async def _management_counts(self) -> dict[str, Counts] | None:
        assert self.management_url is not None
        try:
            async with httpx.AsyncClient(base_url=self.management_url, auth=self.auth) as api:
                response = await api.get(f"/api/queues/{quote(self.vhost, safe='')}")
                response.raise_for_status()
        except httpx.HTTPError:
            return None
        return {
            q["name"]: (
                int(q.get("messages_ready", q.get("messages", 0)) or 0),
                int(q.get("messages_unacknowledged", 0) or 0),
                int(q.get("consumers", 0) or 0),
            )
            for q in response.json()
        }

    async def _amqp_counts(self, names: list[str]) -> dict[str, Counts]:
        counts: dict[str, Counts] = {}
        async with self.channel() as channel:
            for name in names:
                declared = await channel.declare_queue(name, passive=True)
                result = declared.declaration_result
                counts[name] = (result.message_count or 0, None, result.consumer_count or 0)
        return counts

    async def stream_length(self, stream: str) -> int | None:
        """Messages in a stream (from the management API; None when it does not answer)."""
        counts = await self._management_counts() if self.management_url else None
        return counts[stream][0] if counts and stream in counts else None

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        """Read without removing: messages are held unacknowledged, then all returned."""
        require_dead_letter_queue(queue)
        found = []
        async with self.channel() as channel:
            await channel.set_qos(prefetch_count=0)
            source = await channel.get_queue(queue)
            for _ in range(limit):
                message = await source.get(fail=False, no_ack=False)
                if message is None:
                    break
                found.append(_dead_letter(message))
            # closing the channel returns every message unacknowledged, in order
        return found

    async def oldest_dead_letter_age(self, queue: str) -> float | None:
        oldest = await self.dead_letters(queue, limit=1)
        return oldest[0].age_seconds if oldest else None

    async def replay(self, queue: str, message_ids: set[str] | None) -> int:
        """Send dead letters back to the queue they failed in (all, or those with the given
        ids). Each is published with a confirm before it is removed: never lost."""
        require_dead_letter_queue(queue)
        replayed = 0
        async with self.channel() as channel:
            source = await channel.get_queue(queue)
            held: list[AbstractIncomingMessage] = []
            while (message := await source.get(fail=False, no_ack=False)) is not None:
                letter = _dead_letter(message)
                if message_ids is not None and letter.message_id not in message_ids:
                    held.append(message)
                    continue
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        message.body,
                        headers=_replay_headers(letter),
                        content_type=message.content_type,
                        message_id=message.message_id,
                        correlation_id=message.correlation_id,
                        type=message.type,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=letter.failed_queue,
                    mandatory=True,
                )
                await message.ack()
                replayed += 1
            for message in held:
                await message.nack(requeue=True)
        return replayed

    async def purge(self, queue: str) -> int:
        require_dead_letter_queue(queue)
        async with self.channel() as channel:
            result = await (await channel.get_queue(queue)).purge()
            return int(result.message_count or 0)


def require_dead_letter_queue(queue: str) -> None:
    if not is_dead_letter_queue(queue):
        raise ValueError(
            f"{queue!r} is not a dead-letter queue (names end in {DEAD_LETTER_SUFFIX})"
        )


def _replay_headers(letter: DeadLetter) -> dict[str, Any]:
    headers = dict(letter.headers)
    headers["x-replayed-from"] = DEAD_LETTER_EXCHANGE
    headers[ORIGINAL_ROUTING_KEY] = letter.original_routing_key
    headers.pop("x-delivery-count", None)
    return headers


def _dead_letter(message: AbstractIncomingMessage) -> DeadLetter:
    """Our delivery policy writes ``x-death-reason`` and friends; a message the broker
    dead-lettered itself (delivery limit reached by crashing consumers) has ``x-death``."""
    headers = dict(message.headers or {})

    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value or "")

    deaths = headers.get("x-death")
    first = deaths[0] if isinstance(deaths, list) and deaths else None
    death: dict[str, Any] = dict(first) if isinstance(first, dict) else {}
    death_keys = death.get("routing-keys") or [""]
    return DeadLetter(
        message_id=message.message_id or "",
        event_type=message.type or "",
        reason=text(headers.get("x-death-reason") or death.get("reason")),
        error=text(headers.get("x-error")),
        failed_queue=text(headers.get("x-failed-queue") or death.get("queue")),
        original_routing_key=text(headers.get(ORIGINAL_ROUTING_KEY) or death_keys[0]),
        dead_lettered_at=text(headers.get("x-dead-lettered-at") or death.get("time")),
        headers=headers,
        body=message.body,
    )
