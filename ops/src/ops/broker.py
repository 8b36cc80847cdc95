"""What operators ask the broker: queue figures, and dead letters to read, replay or purge."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aio_pika
import aiormq
import httpx
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from contracts.topology import DEAD_LETTER_EXCHANGE, DEAD_LETTER_SUFFIX, Topology
from runtime.consumer import ORIGINAL_ROUTING_KEY

REPLAY_RUN = "x-replay-run"
"""Marks a replayed message with its replay's id, to recognise it if it fails again."""

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
    error_type: str
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

    def as_dict(self, *, full: bool = False) -> dict[str, Any]:
        """For ``--json``: the summary, and with ``full`` the headers and body too."""
        summary: dict[str, Any] = {
            "message_id": self.message_id,
            "event_type": self.event_type,
            "reason": self.reason,
            "error_type": self.error_type,
            "error": self.error,
            "failed_queue": self.failed_queue,
            "routing_key": self.original_routing_key,
            "dead_lettered_at": self.dead_lettered_at,
            "age_seconds": self.age_seconds,
        }
        if full:
            summary["headers"] = self.headers
            summary["body"] = self.body.decode(errors="replace")
        return summary

    def pretty_body(self) -> str:
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:
            return repr(self.body)


def is_dead_letter_queue(name: str) -> bool:
    return name.endswith(DEAD_LETTER_SUFFIX)


def dead_letter_queue_of(name: str) -> str:
    """The dead-letter queue named, or the one of the work queue named."""
    return name if is_dead_letter_queue(name) else name + DEAD_LETTER_SUFFIX


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
        async with self.channel() as channel:
            source, found = await _counted(channel, queue)
            return [letter for letter, _ in await _take(source, min(found, limit))]
            # closing the channel returns every message unacknowledged, in order

    async def oldest_dead_letter_age(self, queue: str) -> float | None:
        oldest = await self.dead_letters(queue, limit=1)
        return oldest[0].age_seconds if oldest else None

    async def replay(self, queue: str, selection: Selection, wait: float) -> ReplayReport:
        """Send the dead letters the queue held when the replay started (all, or those
        selected) back to the queue they failed in, each once: exactly as many messages as
        the queue counted are taken, so one that fails again (it returns behind them) is not
        taken a second time. Each is published with a confirm before it is removed: never
        lost. Then, for up to ``wait`` seconds, count the replayed ones that come back."""
        run_id = uuid.uuid4().hex
        replayed: dict[str, None] = {}  # ids in order; a duplicate copy is not replayed
        async with self.channel() as channel:
            source, found = await _counted(channel, queue)
            for letter, message in await _take(source, found):
                if not selection.matches(letter) or letter.message_id in replayed:
                    continue  # held unacknowledged: returned when the channel closes
                await _publish_replay(channel, letter, message, run_id)
                await message.ack()
                replayed[letter.message_id] = None
            failed_again = await _returned(source, run_id, len(replayed), wait)
        return ReplayReport(queue, found, tuple(replayed), failed_again)

    async def purge(self, queue: str, selection: Selection | None = None) -> tuple[str, ...]:
        """Delete dead letters for good: all of them, or those selected (by id or reason).
        Only what the queue held when the purge started is considered."""
        purged: list[str] = []
        async with self.channel() as channel:
            source, found = await _counted(channel, queue)
            for letter, message in await _take(source, found):
                if selection is None or selection.matches(letter):
                    await message.ack()
                    purged.append(letter.message_id)
        return tuple(purged)


@dataclass(frozen=True)
class Selection:
    """Which dead letters a command acts on; an empty criterion matches every letter."""

    message_ids: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()

    def matches(self, letter: DeadLetter) -> bool:
        return (not self.message_ids or letter.message_id in self.message_ids) and (
            not self.reasons or letter.reason in self.reasons
        )


@dataclass(frozen=True)
class ReplayReport:
    queue: str
    found: int  # dead letters in the queue when the replay started
    replayed: tuple[str, ...]  # message ids, each replayed once
    failed_again: tuple[str, ...]  # replayed ones back in the dead-letter queue in time

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "found": self.found,
            "replayed": len(self.replayed),
            "failed_again": len(self.failed_again),
            "replayed_ids": list(self.replayed),
            "failed_again_ids": list(self.failed_again),
        }


async def _counted(channel: AbstractChannel, queue: str) -> tuple[AbstractQueue, int]:
    """The dead-letter queue and the number of messages ready in it now."""
    require_dead_letter_queue(queue)
    try:
        source = await channel.declare_queue(queue, passive=True)
    except aiormq.exceptions.ChannelNotFoundEntity:
        raise ValueError(f"there is no queue {queue!r}") from None
    return source, int(source.declaration_result.message_count or 0)


async def _take(
    source: AbstractQueue, count: int
) -> list[tuple[DeadLetter, AbstractIncomingMessage]]:
    """Up to ``count`` messages from the head, held unacknowledged."""
    taken = []
    for _ in range(count):
        message = await source.get(fail=False, no_ack=False)
        if message is None:
            break
        taken.append((_dead_letter(message), message))
    return taken


async def _publish_replay(
    channel: AbstractChannel, letter: DeadLetter, message: AbstractIncomingMessage, run_id: str
) -> None:
    await channel.default_exchange.publish(
        aio_pika.Message(
            message.body,
            headers={**_replay_headers(letter), REPLAY_RUN: run_id},
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        ),
        routing_key=letter.failed_queue,
        mandatory=True,
    )


async def _returned(
    source: AbstractQueue, run_id: str, expected: int, wait: float
) -> tuple[str, ...]:
    """The ids of this run's replays that come back within ``wait`` seconds. Everything read
    here stays held (so nothing is read twice) and returns to the queue with the channel."""
    back: list[str] = []
    deadline = time.monotonic() + wait
    while len(back) < expected and time.monotonic() < deadline:
        message = await source.get(fail=False, no_ack=False)
        if message is None:
            await asyncio.sleep(0.05)
        elif (message.headers or {}).get(REPLAY_RUN) == run_id:
            back.append(message.message_id or "")
    return tuple(back)


def require_dead_letter_queue(queue: str) -> None:
    if not is_dead_letter_queue(queue):
        raise ValueError(
            f"{queue!r} is not a dead-letter queue (names end in {DEAD_LETTER_SUFFIX})"
        )


_FAILURE_HEADERS = frozenset(
    {"x-death", "x-death-reason", "x-error", "x-error-type", "x-dead-lettered-at",
     "x-delivery-count", REPLAY_RUN}
)  # fmt: skip


def _replay_headers(letter: DeadLetter) -> dict[str, Any]:
    # what the last failure wrote goes: the next failure, if any, writes its own
    headers = {k: v for k, v in letter.headers.items() if k not in _FAILURE_HEADERS}
    headers["x-replayed-from"] = DEAD_LETTER_EXCHANGE
    headers[ORIGINAL_ROUTING_KEY] = letter.original_routing_key
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
        error_type=text(headers.get("x-error-type")),
        failed_queue=text(headers.get("x-failed-queue") or death.get("queue")),
        original_routing_key=text(headers.get(ORIGINAL_ROUTING_KEY) or death_keys[0]),
        dead_lettered_at=text(headers.get("x-dead-lettered-at") or death.get("time")),
        headers=headers,
        body=message.body,
    )
