"""The broker topology, declared once: services declare it at start-up, and
``deploy/rabbitmq/definitions.json`` is generated from it for brokers that load definitions.

- ``city.events`` (topic): every city-wide event, routing key ``<org code>.<EventType>``.
  No personal identity data ever goes here.
- ``city.identity`` (topic): ``ParticipantIdentified`` only. Broker permissions let the
  certificates service read it and nobody else.
- ``city.dead-letter`` (direct): routing key is the name of the queue a message failed in; each
  consumer queue has its own dead-letter queue bound here.
- ``reporting.city-stream``: a RabbitMQ stream bound to all of ``city.events``, so reporting can
  rebuild its projections by replaying from the first offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from contracts.events import (
    CITY_WIDE_EVENTS,
    IDENTITY_EVENTS,
    PLACEMENT_EVENTS,
    Envelope,
)

EVENTS_EXCHANGE = "city.events"
IDENTITY_EXCHANGE = "city.identity"
DEAD_LETTER_EXCHANGE = "city.dead-letter"
DEAD_LETTER_SUFFIX = ".dead-letter"
"""A consumer queue's dead letters are in the queue of its name with this suffix."""

DEFAULT_DELIVERY_LIMIT = 5


def routing_key(producer: str, event: type[Envelope]) -> str:
    return f"{producer}.{event.type_name()}"


def exchange_for(event: type[Envelope]) -> str:
    return IDENTITY_EXCHANGE if event in IDENTITY_EVENTS else EVENTS_EXCHANGE


def binding_keys(events: tuple[type[Envelope], ...]) -> tuple[str, ...]:
    """Keys that match the given events from any producer."""
    return tuple(routing_key("*", event) for event in events)


@dataclass(frozen=True)
class Exchange:
    name: str
    type: Literal["topic", "direct"]


@dataclass(frozen=True)
class ConsumerQueue:
    """A quorum queue with competing consumers and its own dead-letter queue.

    RabbitMQ 3.10 has no default delivery limit, so it is always explicit; the
    at-least-once dead-letter strategy (which needs ``reject-publish`` overflow) keeps a
    dead-lettered message until its dead-letter queue has confirmed it.
    """

    name: str
    exchange: str
    binding_keys: tuple[str, ...]
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}{DEAD_LETTER_SUFFIX}"

    @property
    def arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": self.name,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    @property
    def dead_letter_arguments(self) -> dict[str, Any]:
        return {"x-queue-type": "quorum"}


@dataclass(frozen=True)
class StreamQueue:
    """A replayable, append-only log. Consumers pick their start with ``x-stream-offset``."""

    name: str
    exchange: str
    binding_keys: tuple[str, ...] = ("#",)
    max_segment_size_bytes: int = 100_000_000

    @property
    def arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "stream",
            "x-stream-max-segment-size-bytes": self.max_segment_size_bytes,
        }


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[Exchange, ...]
    consumer_queues: tuple[ConsumerQueue, ...] = ()
    streams: tuple[StreamQueue, ...] = ()

    def consumer_queue(self, name: str) -> ConsumerQueue:
        for queue in self.consumer_queues:
            if queue.name == name:
                return queue
        raise KeyError(f"no consumer queue named {name!r} in the topology")

    def with_queues(self, *queues: ConsumerQueue | StreamQueue) -> Topology:
        return Topology(
            exchanges=self.exchanges,
            consumer_queues=self.consumer_queues
            + tuple(q for q in queues if isinstance(q, ConsumerQueue)),
            streams=self.streams + tuple(q for q in queues if isinstance(q, StreamQueue)),
        )


EXCHANGES = (
    Exchange(EVENTS_EXCHANGE, "topic"),
    Exchange(IDENTITY_EXCHANGE, "topic"),
    Exchange(DEAD_LETTER_EXCHANGE, "direct"),
)

CERTIFICATES_PLACEMENT_EVENTS = ConsumerQueue(
    name="certificates.placement-events",
    exchange=EVENTS_EXCHANGE,
    binding_keys=binding_keys(PLACEMENT_EVENTS),
)
CERTIFICATES_IDENTITY = ConsumerQueue(
    name="certificates.identity",
    exchange=IDENTITY_EXCHANGE,
    binding_keys=binding_keys(IDENTITY_EVENTS),
)
REPORTING_CITY_STREAM = StreamQueue(
    name="reporting.city-stream",
    exchange=EVENTS_EXCHANGE,
    binding_keys=binding_keys(CITY_WIDE_EVENTS),
)

CITY_TOPOLOGY = Topology(
    exchanges=EXCHANGES,
    consumer_queues=(CERTIFICATES_PLACEMENT_EVENTS, CERTIFICATES_IDENTITY),
    streams=(REPORTING_CITY_STREAM,),
)


@dataclass(frozen=True)
class BrokerUser:
    """A broker identity and what it may do in the vhost (regular expressions, as RabbitMQ
    takes them). ``topic_write`` limits the routing keys it may publish per topic exchange."""

    name: str
    configure: str = "^$"
    write: str = "^$"
    read: str = "^$"
    topic_write: tuple[tuple[str, str], ...] = ()
    tags: str = ""


def publisher_user_name(organisation: str, prefix: str = "") -> str:
    return f"{prefix}placements-{organisation}"


def broker_users(organisations: Iterable[str], prefix: str = "") -> tuple[BrokerUser, ...]:
    """One user per förvaltning, which may publish only its own routing keys; and one per
    consuming service. The reporting user cannot read ``city.identity`` at all, so it cannot
    even bind a queue to it."""
    exchanges = f"^({re.escape(EVENTS_EXCHANGE)}|{re.escape(IDENTITY_EXCHANGE)})$"
    per_organisation = tuple(
        BrokerUser(
            name=publisher_user_name(code, prefix),
            write=exchanges,
            topic_write=tuple(
                (exchange, f"^{re.escape(code)}\\.")
                for exchange in (EVENTS_EXCHANGE, IDENTITY_EXCHANGE)
            ),
        )
        for code in organisations
    )
    certificates = BrokerUser(
        name=f"{prefix}certificates",
        configure=r"^certificates\.",
        write=r"^(city\.events|city\.dead-letter|certificates\..*)$",
        read=r"^(city\.events|city\.identity|certificates\..*)$",
        topic_write=((EVENTS_EXCHANGE, r"^[a-z][a-z0-9-]*\.Certificate(Issued|Revoked)$"),),
    )
    reporting = BrokerUser(
        name=f"{prefix}reporting",
        configure=r"^reporting\.",
        write=r"^reporting\..*$",
        read=r"^(city\.events|reporting\..*)$",
    )
    return (*per_organisation, certificates, reporting)


def rabbitmq_definitions(
    topology: Topology = CITY_TOPOLOGY,
    users: Iterable[BrokerUser] = (),
    vhost: str = "city",
) -> dict[str, Any]:
    """The topology and users as a RabbitMQ definitions document (``load_definitions``).

    Users carry no password (an empty hash): passwords are secrets, set at deploy time with
    ``rabbitmqctl change_password`` or the management API, never kept in the repository."""
    users = tuple(users)
    return {
        "vhosts": [{"name": vhost}],
        "users": [_user_definition(u) for u in users],
        "permissions": [_permission_definition(u, vhost) for u in users],
        "topic_permissions": [
            {"user": u.name, "vhost": vhost, "exchange": exchange, "write": pattern, "read": ".*"}
            for u in users
            for exchange, pattern in u.topic_write
        ],
        "exchanges": [_exchange_definition(e, vhost) for e in topology.exchanges],
        "queues": [
            _queue_definition(name, arguments, vhost) for name, arguments in _queues(topology)
        ],
        "bindings": [
            _binding_definition(exchange, queue, key, vhost)
            for exchange, queue, key in _bindings(topology)
        ],
    }


def _queues(topology: Topology) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every queue's name and arguments: each consumer queue followed by its dead-letter
    queue, then the streams."""
    for q in topology.consumer_queues:
        yield q.name, q.arguments
        yield q.dead_letter_queue, q.dead_letter_arguments
    for s in topology.streams:
        yield s.name, s.arguments


def _bindings(topology: Topology) -> Iterator[tuple[str, str, str]]:
    """Every binding as (exchange, queue, routing key), in the order ``_queues`` declares."""
    for q in topology.consumer_queues:
        yield DEAD_LETTER_EXCHANGE, q.dead_letter_queue, q.name
        for key in q.binding_keys:
            yield q.exchange, q.name, key
    for s in topology.streams:
        for key in s.binding_keys:
            yield s.exchange, s.name, key


def _user_definition(user: BrokerUser) -> dict[str, Any]:
    return {
        "name": user.name,
        "password_hash": "",
        "hashing_algorithm": "rabbit_password_hashing_sha256",
        "tags": [user.tags] if user.tags else [],
    }


def _permission_definition(user: BrokerUser, vhost: str) -> dict[str, Any]:
    return {
        "user": user.name,
        "vhost": vhost,
        "configure": user.configure,
        "write": user.write,
        "read": user.read,
    }


def _exchange_definition(exchange: Exchange, vhost: str) -> dict[str, Any]:
    return {
        "name": exchange.name,
        "vhost": vhost,
        "type": exchange.type,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue_definition(name: str, arguments: dict[str, Any], vhost: str) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "durable": True,
        "auto_delete": False,
        "arguments": arguments,
    }


def _binding_definition(exchange: str, queue: str, key: str, vhost: str) -> dict[str, Any]:
    return {
        "source": exchange,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": key,
        "arguments": {},
    }
