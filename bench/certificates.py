"""The certificates service: certificates issued per second, and the end-to-end latency from
``PlacementEnded`` published to ``CertificateIssued`` received.

The service runs in-process as in production (consumers with the delivery policy, one
transaction per event, PDF and credential, outbox relay woken by NOTIFY). Every placement's
other events are applied first, so the timed part is what a ``PlacementEnded`` sets off:
fold the record, render the PDF/A, sign the credential, store, publish, receive.

- ``certificates_per_s``: every ``PlacementEnded`` published at once; issued per second until
  the last ``CertificateIssued`` arrives.
- ``latency_ms``: ``PlacementEnded`` published one by one at a steady rate well below that
  throughput; p50 and p99 from publish to ``CertificateIssued`` received.

    python -m bench.certificates   # this benchmark alone
"""

from __future__ import annotations

import asyncio
import contextlib
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

from bench.common import SINK, Sandbox, per_second, sandbox
from certificates.bootstrap import MIGRATIONS, build_consumers, build_context
from certificates.messaging import create_broker
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

PLACEMENTS = int(os.environ.get("BENCH_CERTIFICATES", "300"))
PACED = max(20, PLACEMENTS // 3)  # placements for the latency run
PACED_RATE_CAP = 40.0  # per second: "steady traffic", far from saturation on 2 cores
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
        await asyncio.sleep(0.1)


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
    context = build_context(
        CertificatesSettings(public_base_url="https://intyg.bench"), SigningKey.generate()
    )
    broker = create_broker(box.amqp_url, build_consumers(box.pool, context))
    publisher = AmqpPublisher(box.amqp_url)
    await publisher.connect()
    relay = asyncio.create_task(OutboxRelay(box.pool, publisher, listen_dsn=box.database_url).run())
    received: dict[uuid.UUID, float] = {}
    expected = 0
    all_received = asyncio.Event()

    async def on_issued(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        received[uuid.UUID(json.loads(message.body)["placement_id"])] = time.perf_counter()
        await message.ack()
        if len(received) >= expected:
            all_received.set()

    burst = [placement_events(i) for i in range(PLACEMENTS)]
    paced = [placement_events(PLACEMENTS + i) for i in range(PACED)]
    before = [e for events, _ in (*burst, *paced) for e in events]
    connection = await aio_pika.connect(box.amqp_url)
    try:
        await broker.start()
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        sink = await channel.get_queue(ISSUED_SINK.name)
        await sink.consume(on_issued)
        await publish(channel, before)
        await wait_until_applied(box, len(before))

        expected = PLACEMENTS
        started = time.perf_counter()
        await publish(channel, [ended for _, ended in burst])
        await all_received.wait()
        burst_s = max(received.values()) - started
        rate = PLACEMENTS / burst_s

        all_received.clear()
        received.clear()
        expected = PACED
        published: dict[uuid.UUID, float] = {}
        interval = 1 / min(PACED_RATE_CAP, rate / 2)
        for _, ended in paced:
            published[ended.placement_id] = time.perf_counter()
            await publish(channel, [ended])
            await asyncio.sleep(
                max(0.0, published[ended.placement_id] + interval - time.perf_counter())
            )
        await all_received.wait()
    finally:
        await connection.close()
        await broker.stop()
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await publisher.close()
    return {
        "placements": PLACEMENTS,
        "certificates_per_s": per_second(PLACEMENTS, burst_s),
        "latency_ms": milliseconds([received[p] - published[p] for p in published]),
        "latency_at_per_s": round(1 / interval, 1),
    }


async def main() -> dict[str, Any]:
    configure_logging("bench", "WARNING", json=False)
    async with sandbox() as box:
        return await measure(box)


if __name__ == "__main__":
    json.dump(asyncio.run(main()), sys.stdout, indent=2)
    print()
