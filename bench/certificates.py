"""The certificates service: its consumer's events per second, certificates issued per second,
and the end-to-end latency from ``PlacementEnded`` published to ``CertificateIssued`` received.

The service runs in-process as in production (consumers with the delivery policy, batched
transactions, outbox relay woken by NOTIFY, the PDF worker rendering in the background).

- ``consumer.events_per_s``: every placement's events before its end (start, identity,
  assessments) queued first, then consumed: the certificates consumer against the raw
  broker's consume (``ratio_to_raw_consume``, added by ``python -m bench``).
- ``issued_per_s``: every ``PlacementEnded`` published at once; issued per second until the
  last ``CertificateIssued`` arrives (fold the record, sign the credential, store, publish;
  the PDFs follow from the backlog meanwhile).
- ``latency_ms``: ``PlacementEnded`` published one by one at ``latency_at_per_s``; p50 and p99
  from publish to ``CertificateIssued`` received.

    python -m bench.certificates   # this benchmark alone
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import aio_pika

from bench.common import SINK, Sandbox, per_second, sandbox, timed
from certificates.bootstrap import (
    MIGRATIONS,
    build_consumer,
    build_consumers,
    build_context,
    build_pdf_worker,
    render_processes,
)
from certificates.settings import CertificatesSettings
from certificates.signing.multikey import SigningKey
from contracts.events import (
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ParticipantIdentified,
    ParticipantIdentifiedPayload,
    PlacementEnded,
    PlacementEndedPayload,
)
from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE, ConsumerQueue, exchange_for
from runtime.amqp import AmqpPublisher, declare, event_message
from runtime.logging import configure_logging
from runtime.outbox import OutboxRelay
from runtime.postgres import migrate
from tools.samples import personnummer, placement_started

PLACEMENTS = int(os.environ.get("BENCH_CERTIFICATES", "1000"))
PACED = max(50, PLACEMENTS // 5)  # placements for the latency run
PACED_RATE = 50.0  # per second: steady traffic, well below the issuing throughput
IN_FLIGHT = 500
ISSUED_SINK = ConsumerQueue("bench.certificates-issued", EVENTS_EXCHANGE, ("*.CertificateIssued",))
ASSESSMENTS = (("sprak", "B1"), ("sociala-fardigheter", "3"), ("praktiskt-kunnande", "2"))


def placement_events(i: int) -> tuple[list[Envelope], PlacementEnded]:
    """A placement's events before its end (with the identity), and its end."""
    started = placement_started(producer="sf", placement_id=uuid.uuid4())
    envelope: dict[str, Any] = {"producer": "sf", "placement_id": started.placement_id}
    identity = ParticipantIdentified(
        **envelope,
        sequence=1,
        payload=ParticipantIdentifiedPayload(
            personnummer=personnummer("19900101", f"{i % 1000:03d}"),
            given_name="Bench",
            family_name=f"Deltagare {i}",
            supervisor_name="Handledare",
        ),
    )
    assessed = [
        ModuleAssessed(
            **envelope,
            sequence=2 + n,
            payload=ModuleAssessedPayload(
                module=module,
                level=level,
                assessed_on=date(2026, 6, 1),
                assessor_role="handledare",
                comment="Gör ett bra arbete.",
            ),
        )
        for n, (module, level) in enumerate(ASSESSMENTS)
    ]
    ended = PlacementEnded(
        **envelope,
        sequence=2 + len(assessed),
        payload=PlacementEndedPayload(end_date=date(2026, 12, 31), outcome="A"),
    )
    return [started, identity, *assessed], ended


async def publish(channel: aio_pika.abc.AbstractChannel, events: Sequence[Envelope]) -> None:
    exchanges = {
        name: await channel.get_exchange(name, ensure=False)
        for name in {exchange_for(type(e)) for e in events}
    }
    for start in range(0, len(events), IN_FLIGHT):
        await asyncio.gather(
            *(
                exchanges[exchange_for(type(e))].publish(
                    event_message(e), routing_key=e.routing_key, mandatory=True
                )
                for e in events[start : start + IN_FLIGHT]
            )
        )


async def wait_until_applied(box: Sandbox, count: int) -> None:
    while True:
        async with box.pool.acquire() as conn:
            if await conn.fetchval("SELECT count(*) FROM inbox") >= count:
                return
        await asyncio.sleep(0.02)


async def drop_queue(amqp_url: str, name: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        await (await connection.channel()).queue_delete(name)


def milliseconds(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p99": round(p99 * 1000, 1)}


async def measure(box: Sandbox) -> dict[str, Any]:
    await declare(box.amqp_url, CITY_TOPOLOGY.with_queues(ISSUED_SINK))
    await drop_queue(box.amqp_url, SINK.name)  # it would store every event a second time
    await migrate(box.pool, MIGRATIONS)
    settings = CertificatesSettings(public_base_url="https://intyg.bench", amqp_url=box.amqp_url)
    context = build_context(settings, SigningKey.generate())
    consumer = build_consumer(settings, build_consumers(box.pool, context))
    renderer = render_processes(settings)
    publisher = AmqpPublisher(box.amqp_url)
    await publisher.connect()
    background = [
        asyncio.create_task(OutboxRelay(box.pool, publisher, listen_dsn=box.database_url).run()),
        asyncio.create_task(build_pdf_worker(box.pool, context, renderer).run()),
    ]
    sink = IssuedSink()
    burst = [placement_events(i) for i in range(PLACEMENTS)]
    paced = [placement_events(PLACEMENTS + i) for i in range(PACED)]
    before = [e for events, _ in (*burst, *paced) for e in events]
    connection = await aio_pika.connect(box.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await (await channel.get_queue(ISSUED_SINK.name)).consume(sink.on_issued)
        await publish(channel, before)  # queued first: the consumer is timed alone
        consuming = asyncio.create_task(consumer.run())
        background.append(consuming)
        consumer_s = await timed(lambda: wait_until_applied(box, len(before)))
        burst_s = await sink.burst(channel, [ended for _, ended in burst])
        latency = await sink.paced(channel, [ended for _, ended in paced], PACED_RATE)
    finally:
        await connection.close()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await publisher.close()
        renderer.close()
    return {
        "placements": PLACEMENTS,
        "consumer": {"events": len(before), "events_per_s": per_second(len(before), consumer_s)},
        "issued_per_s": per_second(PLACEMENTS, burst_s),
        "latency_ms": milliseconds(latency),
        "latency_at_per_s": PACED_RATE,
    }


class IssuedSink:
    """Receives ``CertificateIssued``: when each placement's first arrived."""

    def __init__(self) -> None:
        self.received: dict[uuid.UUID, float] = {}
        self.expected = 0
        self.all_received = asyncio.Event()

    async def on_issued(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        placement_id = uuid.UUID(json.loads(message.body)["placement_id"])
        self.received.setdefault(placement_id, time.perf_counter())
        await message.ack()
        if len(self.received) >= self.expected:
            self.all_received.set()

    def expect(self, count: int) -> None:
        self.received.clear()
        self.all_received.clear()
        self.expected = count

    async def burst(
        self, channel: aio_pika.abc.AbstractChannel, ends: list[PlacementEnded]
    ) -> float:
        """Every end published at once: seconds until the last certificate is announced."""
        self.expect(len(ends))
        started = time.perf_counter()
        await publish(channel, ends)
        await self.all_received.wait()
        return max(self.received.values()) - started

    async def paced(
        self, channel: aio_pika.abc.AbstractChannel, ends: list[PlacementEnded], rate: float
    ) -> list[float]:
        """Ends published one by one at ``rate`` per second: each one's publish-to-announce."""
        self.expect(len(ends))
        published: dict[uuid.UUID, float] = {}
        for ended in ends:
            published[ended.placement_id] = time.perf_counter()
            await publish(channel, [ended])
            next_at = published[ended.placement_id] + 1 / rate
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await self.all_received.wait()
        return [self.received[p] - published[p] for p in published]


async def main() -> dict[str, Any]:
    configure_logging("bench", "WARNING", json=False)
    async with sandbox() as box:
        return await measure(box)


if __name__ == "__main__":
    json.dump(asyncio.run(main()), sys.stdout, indent=2)
    print()
