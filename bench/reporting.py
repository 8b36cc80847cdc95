"""The reporting service: stream ingest, rebuild, and the dashboard's query latency.

- ``measure_ingest``: a synthetic city's events (every city-wide event type) are published to
  ``city.events`` first; then the consumer is timed from its start until the last offset is
  applied. The raw figure is events per second; compare it with ``raw_broker``'s consume rate.
- ``measure_rebuild``: ``BENCH_REBUILD_EVENTS`` events (default 100,000) on the stream; the
  rebuild (empty the projection, replay from the first offset) is timed to the last event
  applied, with the first and the last tenth timed apart (linear: the same). With
  ``BENCH_FULL=1`` also 1,000,000 events (``rebuild_1m``), measured, not extrapolated.
- ``measure_dashboard``: ``BENCH_DASHBOARD_PLACEMENTS`` placements (default 100,000) written
  straight into the projection tables and their aggregates (three years of a large city, with
  assessments, mervärde and certificates); p50/p95 of the year's report (JSON), of the whole
  dashboard (HTML) and of ``/health`` on the same client (the ceiling). With ``BENCH_FULL=1``
  also at 1,000,000 placements, and the growth of the p95 between the two sizes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aio_pika
import asyncpg
import httpx
import uvloop

from bench.common import SINK, Sandbox, per_second, sandbox
from contracts.events import (
    CertificateIssued,
    CertificateIssuedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    PlacementEnded,
    PlacementEndedPayload,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementUpdatedPayload,
    ValueAdded,
    ValueAddedRecorded,
    ValueAddedRecordedPayload,
    Workplace,
)
from contracts.organisations import load_register
from contracts.reference import load_reference_data
from contracts.topology import CITY_TOPOLOGY, EVENTS_EXCHANGE, REPORTING_CITY_STREAM
from reporting.adapters import aggregate_store, projection_store
from reporting.adapters.unit_of_work import PostgresSnapshot
from reporting.bootstrap import build, consumer_config, reporting_database
from reporting.domain import definitions
from reporting.domain.periods import Period
from reporting.domain.projection import ModuleRow, PlacementRow, ValueAddedRow
from reporting.service.reports import report
from reporting.settings import ReportingSettings
from reporting.stream.consumer import StreamConsumer
from reporting.stream.rebuild import rebuild
from runtime.amqp import declare, event_message
from runtime.http.auth import token_hash
from runtime.logging import configure_logging
from tools.sandbox import temporary_database, temporary_vhost

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20000"))
REBUILD_EVENTS = int(os.environ.get("BENCH_REBUILD_EVENTS", "100000"))
DASHBOARD_PLACEMENTS = int(os.environ.get("BENCH_DASHBOARD_PLACEMENTS", "100000"))
FULL = os.environ.get("BENCH_FULL") == "1"  # the 1,000,000-size runs
IN_FLIGHT = 500
ORGANISATIONS = [a.code for a in load_register().administrations]
REFERENCE = load_reference_data()
TYPES = [t.code for t in REFERENCE.placement_types]
VALUE_ADDED = [(v.beneficiary, v.code) for v in REFERENCE.value_added_categories]
PROGRESSION_LEVELS = ["1", "2", "3", "4"]


# --- a synthetic city on the stream ------------------------------------------------------------


def city_events(count: int, seed: int = 1) -> Iterator[Envelope]:
    """About seven events per placement: start, two assessments, mervärde, sometimes an
    extension, the end and a certificate."""
    rng = random.Random(seed)
    produced = 0
    while produced < count:
        organisation, placement_id = rng.choice(ORGANISATIONS), uuid.uuid4()
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        planned_end = start + timedelta(days=rng.choice([90, 180, 365, 730]))
        end = start + timedelta(days=rng.randrange(30, (planned_end - start).days + 1))
        beneficiary, category = rng.choice(VALUE_ADDED)
        common: dict[str, Any] = {"producer": organisation, "placement_id": placement_id}
        events: list[Envelope] = [
            PlacementStarted(
                **common,
                sequence=1,
                payload=PlacementStartedPayload(
                    participant_ref=f"{rng.getrandbits(256):064x}",
                    gender=rng.choice(["female", "male"]),
                    age_band=rng.choice(["up_to_24", "25_plus"]),
                    placement_type=rng.choice(TYPES),
                    workplace=Workplace(name="Arbetsplats"),
                    role="Assistent",
                    employment_rate=rng.choice([50, 75, 100]),
                    start_date=start,
                    planned_end_date=planned_end,
                ),
            ),
            *(
                ModuleAssessed(
                    **common,
                    sequence=sequence,
                    payload=ModuleAssessedPayload(
                        module="sociala-fardigheter",
                        level=rng.choice(PROGRESSION_LEVELS),
                        assessed_on=start + timedelta(days=10 * sequence),
                        assessor_role="handledare",
                    ),
                )
                for sequence in (2, 3)
            ),
            ValueAddedRecorded(
                **common,
                sequence=4,
                payload=ValueAddedRecordedPayload(
                    stage="realised",
                    value_added=ValueAdded(beneficiary=beneficiary, category=category),
                ),
            ),
            PlacementUpdated(
                **common,
                sequence=5,
                payload=PlacementUpdatedPayload(planned_end_date=planned_end + timedelta(days=30)),
            ),
            PlacementEnded(
                **common,
                sequence=6,
                payload=PlacementEndedPayload(end_date=end, outcome=rng.choice("ABCDE")),
            ),
            CertificateIssued(
                **common,
                sequence=1,
                payload=CertificateIssuedPayload(
                    certificate_id=uuid.uuid4(),
                    certificate_number="INT-1",
                    organisation=organisation,
                    issued_at=datetime.combine(end, datetime.min.time(), UTC)
                    + timedelta(days=rng.randrange(30)),
                ),
            ),
        ]
        for event in events[: count - produced]:
            produced += 1
            yield event


async def publish(amqp_url: str, events: Iterator[Envelope]) -> int:
    """Confirmed, persistent, ``IN_FLIGHT`` at a time; events are generated as they go, so a
    million of them never sit in memory at once."""
    connection = await aio_pika.connect(amqp_url)
    published = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)

        async def send(batch: list[Envelope]) -> None:
            await asyncio.gather(
                *(
                    exchange.publish(
                        event_message(e),
                        routing_key=e.routing_key,
                        mandatory=True,
                    )
                    for e in batch
                )
            )

        batch: list[Envelope] = []
        for event in events:
            batch.append(event)
            if len(batch) == IN_FLIGHT:
                await send(batch)
                published, batch = published + len(batch), []
        if batch:
            await send(batch)
            published += len(batch)
    return published


async def _stream_box(box: Sandbox) -> ReportingSettings:
    """The city topology beside the bench's (whose sink, bound to everything, gets a copy of
    every event: ``_empty_sink`` empties it after publishing)."""
    await declare(box.amqp_url, CITY_TOPOLOGY)
    return ReportingSettings(amqp_url=box.amqp_url, database_url=box.database_url)


async def _empty_sink(box: Sandbox) -> None:
    connection = await aio_pika.connect(box.amqp_url)
    async with connection:
        queue = await (await connection.channel()).get_queue(SINK.name)
        await queue.purge()


async def _wait_for_position(pool: asyncpg.Pool, offset: int) -> None:
    while True:
        async with pool.acquire() as conn:
            position = await projection_store.position(conn, REPORTING_CITY_STREAM.name)
        if position is not None and position >= offset:
            return
        await asyncio.sleep(0.02)


# --- measurements --------------------------------------------------------------------------------


async def measure_ingest(box: Sandbox, count: int = MESSAGES) -> dict[str, Any]:
    settings = await _stream_box(box)
    async with reporting_database(settings) as pool:
        await publish(box.amqp_url, city_events(count))
        await _empty_sink(box)
        consumer = StreamConsumer(consumer_config(settings), REFERENCE)
        started = time.perf_counter()
        task = asyncio.create_task(consumer.run())
        try:
            await _wait_for_position(pool, count - 1)
            seconds = time.perf_counter() - started
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return {
        "events": count,
        "batch_size": settings.batch_size,
        "seconds": round(seconds, 2),
        "events_per_s": per_second(count, seconds),
    }


async def measure_rebuild(count: int = REBUILD_EVENTS) -> dict[str, Any]:
    """On its own vhost and database: the stream must hold exactly ``count`` events. Linear
    means the last tenth of the events takes as long as the first (``last_over_first``)."""
    tenth = count // 10
    async with temporary_vhost() as amqp_url, temporary_database() as database_url:
        await declare(amqp_url, CITY_TOPOLOGY)
        settings = ReportingSettings(amqp_url=amqp_url, database_url=database_url)
        async with reporting_database(settings) as pool:
            publish_started = time.perf_counter()
            await publish(amqp_url, city_events(count, seed=2))
            publish_seconds = time.perf_counter() - publish_started
            config = replace(consumer_config(settings), idle_seconds=1.0)
            started = time.perf_counter()
            command = asyncio.create_task(rebuild(config, REFERENCE))
            marks = await _progress(pool, [tenth - 1, count - tenth - 1, count - 1])
            result = await command
    first, last = marks[0] - started, marks[2] - marks[1]
    seconds = marks[2] - started
    label = "100k" if tenth == 100_000 else "tenth"
    return {
        "events": count,
        "publish_seconds": round(publish_seconds, 2),
        "seconds": round(seconds, 2),
        f"first_{label}_seconds": round(first, 2),
        f"last_{label}_seconds": round(last, 2),
        f"last_over_first_{label}": round(last / first, 2),
        "command_seconds": result.seconds,
        "events_per_s": round(count / seconds, 1),
        "placements": result.status.placements,
    }


async def _progress(pool: asyncpg.Pool, offsets: list[int]) -> list[float]:
    """When the stored position first reached each offset (in order): each batch commits its
    position with the aggregates it moved."""
    reached: list[float] = []
    while len(reached) < len(offsets):
        async with pool.acquire() as conn:
            position = await projection_store.position(conn, REPORTING_CITY_STREAM.name)
        now = time.perf_counter()
        while (
            position is not None
            and len(reached) < len(offsets)
            and position >= offsets[len(reached)]
        ):
            reached.append(now)
        await asyncio.sleep(0.02)
    return reached


WORKPLACES = [f"Arbetsplats {n}" for n in range(20)]  # per förvaltning
SEED_CHUNK = 20_000


def _seed_placement(
    rng: random.Random, modules: list[str]
) -> tuple[PlacementRow, list[ModuleRow], list[ValueAddedRow]]:
    """One placement of a large city over three years (2024–2026), most ended, with its
    derived columns, module progress and mervärde, as the projection would have folded them."""
    placement_id = uuid.uuid4()
    start = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    planned_end = start + timedelta(days=rng.choice([90, 180, 365, 730]))
    ended = rng.random() < 0.8
    end = start + timedelta(days=rng.randrange(30, (planned_end - start).days + 1))
    certified = ended and rng.random() < 0.85
    issued = end + timedelta(days=rng.randrange(45)) if certified else None
    row = PlacementRow(
        placement_id,
        organisation=rng.choice(ORGANISATIONS),
        started=True,
        placement_type=rng.choice(TYPES),
        workplace=rng.choice(WORKPLACES),
        gender=rng.choice(["female", "male"]),
        age_band=rng.choice(["up_to_24", "25_plus"]),
        employment_rate=rng.choice([50, 75, 100]),
        start_date=start,
        planned_end_date=planned_end,
        terms_seq=1,
        planned_end_seq=1,
        end_date=end if ended else None,
        outcome=rng.choice("ABCDE") if ended else None,
        ended_seq=6 if ended else 0,
        counted=True,
        effective_end=end if ended else planned_end,
        duration_bucket=definitions.duration_bucket(start, end) if ended else None,
        certified=certified,
        first_certificate_on=issued,
        days_to_certificate=(issued - end).days if issued else None,
    )
    progress = []
    for module in rng.sample(modules, 3):
        first, last = rng.randrange(4), rng.randrange(4)
        progress.append(
            ModuleRow(
                placement_id,
                module,
                2,
                start,
                2,
                str(first + 1),
                first,
                start + timedelta(days=60),
                3,
                str(last + 1),
                last,
                definitions.progression(first, last, 2),
            )
        )
    value_added = [
        ValueAddedRow(placement_id, uuid.uuid4(), stage, *rng.choice(VALUE_ADDED), 2)
        for stage in ("planned", "realised")
    ]
    return row, progress, value_added


async def seed(conn: asyncpg.Connection, count: int, seed: int = 3) -> None:
    """``count`` placements straight into the projection, in chunks, then the aggregates built
    from them in one pass (what batches would have moved them to)."""
    rng = random.Random(seed)
    modules = [m.code for m in REFERENCE.modules]
    for first in range(0, count, SEED_CHUNK):
        chunk = [_seed_placement(rng, modules) for _ in range(min(SEED_CHUNK, count - first))]
        await _copy(conn, "placements", [row for row, _, _ in chunk])
        await _copy(conn, "module_progress", [m for _, progress, _ in chunk for m in progress])
        await conn.copy_records_to_table(
            "value_added", records=[v for _, _, value_added in chunk for v in value_added]
        )
    async with conn.transaction():
        await aggregate_store.build(conn)
    await conn.execute("ANALYZE")


async def _copy(conn: asyncpg.Connection, table: str, rows: list[Any]) -> None:
    columns = [f.name for f in fields(rows[0])]
    records = [tuple(getattr(r, c) for c in columns) for r in rows]
    await conn.copy_records_to_table(table, records=records, columns=columns)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


async def measure_dashboard(count: int = DASHBOARD_PLACEMENTS, rounds: int = 40) -> dict[str, Any]:
    """No broker needed: the projection and its aggregates are filled directly. The ceiling is
    the same client's round trip to a route that reads nothing (``/health``)."""
    async with temporary_database() as database_url:
        analyst = secrets.token_urlsafe(32)  # the dashboard is for ASF analysts
        settings = ReportingSettings(
            database_url=database_url, analyst_token_hashes=[token_hash(analyst)]
        )
        async with reporting_database(settings) as pool:
            async with pool.acquire() as conn:
                await seed(conn, count)
            app, _ = build(settings, pool)
            year = Period.calendar_year(2026)
            samples: dict[str, list[float]] = {"report": [], "dashboard_html": [], "ceiling": []}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {analyst}"},
            ) as client:
                for index in range(rounds + 3):  # three warm-up rounds
                    timings = await _round(client, pool, year)
                    if index >= 3:
                        for name, seconds in timings.items():
                            samples[name].append(seconds)
    return {
        "placements": count,
        "period": "year 2026 (about half the placements active in it)",
        **{name: _percentiles(values) for name, values in samples.items()},
    }


async def _round(client: httpx.AsyncClient, pool: asyncpg.Pool, year: Period) -> dict[str, float]:
    started = time.perf_counter()
    await report(PostgresSnapshot(pool.acquire), year, REFERENCE)
    middle = time.perf_counter()
    response = await client.get("/dashboard", params={"kind": "year", "year": 2026})
    response.raise_for_status()
    page = time.perf_counter()
    (await client.get("/health")).raise_for_status()
    return {
        "report": middle - started,
        "dashboard_html": page - middle,
        "ceiling": time.perf_counter() - page,
    }


async def measure_dashboards() -> dict[str, Any]:
    """At 100,000 placements, and with ``BENCH_FULL`` at 1,000,000 and the growth between."""
    result: dict[str, Any] = {"at_100k": await measure_dashboard(DASHBOARD_PLACEMENTS)}
    if FULL:
        result["at_1m"] = await measure_dashboard(1_000_000)
        result["growth_1m_over_100k"] = round(
            result["at_1m"]["report"]["p95_ms"] / result["at_100k"]["report"]["p95_ms"], 2
        )
        result["growth_1m_over_100k_dashboard_html"] = round(
            result["at_1m"]["dashboard_html"]["p95_ms"]
            / result["at_100k"]["dashboard_html"]["p95_ms"],
            2,
        )
    return result


async def measure(box: Sandbox) -> dict[str, Any]:
    """All three: ingest on the sandbox's vhost, rebuild and dashboard on their own."""
    async with temporary_database() as database_url:
        ingest = await measure_ingest(replace(box, database_url=database_url))
    result = {
        "ingest": ingest,
        "rebuild": await measure_rebuild(),
        "dashboard": await measure_dashboards(),
    }
    if FULL:
        result["rebuild_1m"] = await measure_rebuild(1_000_000)
    return result


async def main() -> dict[str, Any]:
    configure_logging("bench", "WARNING", json=False)
    async with sandbox() as box:
        return await measure(box)


if __name__ == "__main__":  # this part alone, on uvloop as in the whole bench
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        print(json.dumps(runner.run(main()), indent=2))
