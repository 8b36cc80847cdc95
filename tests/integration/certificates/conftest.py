"""The certificates service in-process on a fresh database and vhost: its consumers on the real
broker, its outbox relay, its API over ASGI, and a sink queue that catches what it publishes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest

from certificates.bootstrap import MIGRATIONS, build_app, build_consumers, build_context
from certificates.messaging import create_consumer
from certificates.service.context import Context
from certificates.settings import CertificatesSettings
from certificates.signing.multikey import SigningKey
from contracts.events import CERTIFICATE_EVENTS, Envelope
from contracts.topology import (
    CERTIFICATES_IDENTITY,
    CERTIFICATES_PLACEMENT_EVENTS,
    CITY_TOPOLOGY,
    EVENTS_EXCHANGE,
    ConsumerQueue,
    binding_keys,
    exchange_for,
)
from runtime.amqp import AmqpPublisher, declare, event_message
from runtime.http.auth import token_hash
from runtime.outbox import OutboxRelay, outbox_backlog
from runtime.postgres import create_pool, migrate
from runtime.queue_consumer import Policy, QueueConsumer
from tests.support import drain, eventually
from tests.unit.certificates.factory import Placement, complete_placement

BASE_URL = "https://intyg.test"
ORGANISATIONS = ("sf", "kf")
CERTIFICATE_SINK = ConsumerQueue(
    "test.certificate-sink", EVENTS_EXCHANGE, binding_keys(CERTIFICATE_EVENTS)
)


@dataclass
class Service:
    amqp_url: str
    pool: asyncpg.Pool
    context: Context
    consumers_context: Any
    relay: OutboxRelay
    tokens: dict[str, str]
    operator_token: str
    app: Any
    consumer_task: asyncio.Task[None] | None = None
    admin_token: str = ""
    settings: CertificatesSettings | None = None
    relay_task: asyncio.Task[None] | None = None
    _seen: list[dict[str, Any]] = field(default_factory=list)

    # running -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the consumer and the relay (a fresh connection, as after a restart)."""
        consumer = create_consumer(
            self.amqp_url, self.consumers_context, Policy(prefetch=16, backoff=0.05)
        )
        self.consumer_task = asyncio.create_task(consumer.run())
        await eventually(lambda: _attached(consumer))
        self.relay_task = asyncio.create_task(self.relay.run())

    async def stop(self) -> None:
        if self.relay_task is not None:
            self.relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.relay_task
        if self.consumer_task is not None:
            self.consumer_task.cancel()  # unacknowledged messages go back to the queue
            with contextlib.suppress(asyncio.CancelledError):
                await self.consumer_task
        self.consumer_task = self.relay_task = None

    # HTTP ----------------------------------------------------------------------------

    def client(self, organisation: str | None = "sf", **headers: str) -> httpx.AsyncClient:
        if organisation == "operator":
            headers["Authorization"] = f"Bearer {self.operator_token}"
        elif organisation == "admin":
            headers["Authorization"] = f"Bearer {self.admin_token}"
        elif organisation is not None:
            headers["Authorization"] = f"Bearer {self.tokens[organisation]}"
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL, headers=headers
        )

    # events --------------------------------------------------------------------------

    async def publish(self, events: Iterable[Envelope]) -> None:
        """Publish as the placements service's relay does: persistent, confirmed, mandatory."""
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            for event in events:
                exchange = await channel.get_exchange(exchange_for(type(event)), ensure=False)
                await exchange.publish(
                    event_message(event), routing_key=event.routing_key, mandatory=True
                )

    async def publish_placement(self, placement: Placement) -> None:
        await self.publish([*placement.events, *placement.identities])

    async def published(self) -> list[dict[str, Any]]:
        """Every certificate event published so far (read once the outbox is empty)."""
        await self.outbox_empty()
        self._seen.extend(
            json.loads(m.body) | {"_routing_key": m.routing_key, "_message_id": m.message_id}
            for m in await drain(self.amqp_url, CERTIFICATE_SINK.name)
        )
        return list(self._seen)

    async def outbox_empty(self) -> None:
        async def empty() -> bool:
            async with self.pool.acquire() as conn:
                return (await outbox_backlog(conn))[0] == 0

        await eventually(empty)

    async def dead_letters(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        return [
            *await drain(self.amqp_url, CERTIFICATES_PLACEMENT_EVENTS.dead_letter_queue),
            *await drain(self.amqp_url, CERTIFICATES_IDENTITY.dead_letter_queue),
        ]

    # database ------------------------------------------------------------------------

    async def certificate_ids(self, placement_id: uuid.UUID) -> list[uuid.UUID]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id FROM certificates WHERE placement_id = $1 ORDER BY issued_at",
                placement_id,
            )
        return [row["id"] for row in rows]

    async def issued(self, placement_id: uuid.UUID, within: float = 30.0) -> uuid.UUID:
        """Wait for the placement's (single) certificate and return its id."""

        async def has_certificate() -> bool:
            return bool(await self.certificate_ids(placement_id))

        await eventually(has_certificate, within=within)
        [certificate_id] = await self.certificate_ids(placement_id)
        return certificate_id

    async def count(self, sql: str, *args: object) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval(sql, *args))


@pytest.fixture
async def service(amqp_url: str, database_url: str) -> AsyncIterator[Service]:
    async with running_service(amqp_url, database_url) as service:
        yield service


@contextlib.asynccontextmanager
async def running_service(amqp_url: str, database_url: str) -> AsyncIterator[Service]:
    """The service on ``database_url``, which may lead through a ``tools.forwarder.Forwarder``."""
    await declare(amqp_url, CITY_TOPOLOGY.with_queues(CERTIFICATE_SINK))
    pool = await create_pool(database_url, max_size=20)
    await migrate(pool, MIGRATIONS)
    tokens = {org: secrets.token_urlsafe(32) for org in ORGANISATIONS}
    operator_token = secrets.token_urlsafe(32)
    admin_token = secrets.token_urlsafe(32)
    settings = CertificatesSettings(
        public_base_url=BASE_URL,
        issuer_url="https://malmo.se",
        issuer_email="kompetensintyg@malmo.se",
        clients={org: [token_hash(token)] for org, token in tokens.items()},
        operators=[token_hash(operator_token)],
        admins=[token_hash(admin_token)],
    )
    context = build_context(settings, SigningKey.generate())
    publisher = AmqpPublisher(amqp_url)
    await publisher.connect()
    service = Service(
        amqp_url=amqp_url,
        pool=pool,
        context=context,
        consumers_context=build_consumers(pool, context),
        relay=OutboxRelay(pool, publisher, poll_interval=0.05, listen_dsn=database_url),
        tokens=tokens,
        operator_token=operator_token,
        app=build_app(settings, pool, context),
        admin_token=admin_token,
        settings=settings,
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
        await publisher.close()
        await pool.close()


def placement(**changes: Any) -> Placement:
    """A complete placement of Serviceförvaltningen (``sf``), three modules assessed."""
    return complete_placement(producer="sf", **changes)


async def _attached(consumer: QueueConsumer) -> bool:
    return consumer.attached
