"""The stream is the source of truth: a rebuild replays it into an empty projection with exactly
the live figures, and a consumer that dies anywhere resumes from its stored offset without
losing or double-counting anything."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import uuid
from typing import Any
from urllib.parse import quote

import aio_pika
import pytest

from contracts.topology import EVENTS_EXCHANGE
from reporting.adapters import aggregate_store, stream
from reporting.adapters.stream import ConsumerLost
from reporting.bootstrap import reporting_database
from reporting.domain.projection import PROJECTION_VERSION
from reporting.settings import ReportingSettings
from reporting.stream import consumer as consumer_module
from reporting.stream.consumer import StreamConsumer
from reporting.stream.rebuild import rebuild
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import (
    TARGETS_2026,
    UNIQUE_VALID_EVENTS,
    assert_year_2026,
    messages,
)
from tests.support import eventually
from tools.sandbox import management

pytestmark = pytest.mark.integration

PERIODS: list[dict[str, Any]] = [
    {"kind": "year", "year": 2026},
    {"kind": "year", "year": 2025},
    {"kind": "interim", "year": 2026},
    {"kind": "tertial", "year": 2026, "tertial": 2},
    {"kind": "month", "year": 2026, "month": 12},
    {"kind": "custom", "from": "2024-01-01", "to": "2027-12-31"},
]


async def everything(service: Reporting) -> dict[str, Any]:
    """Every report we can ask for, the counts and the unusable messages."""
    async with service.client() as client:
        status = (await client.get("/operations/status")).json()
        unusable = (await client.get("/operations/unusable-events")).json()
    for row in unusable:
        row.pop("recorded_at")
    return {
        "reports": [await service.report(**period) for period in PERIODS],
        "status": {k: v for k, v in status.items() if k not in ("updated_at", "consumer")},
        "unusable": unusable,
    }


async def test_rebuild_gives_exactly_the_live_figures(scenario: Reporting) -> None:
    live = await everything(scenario)
    await scenario.stop()
    async with scenario.pool.acquire() as conn:  # something the stream never said
        placement_id = uuid.uuid4()
        await conn.execute(
            """INSERT INTO placements (placement_id, organisation, placement_type, gender,
                   age_band, employment_rate, start_date, planned_end_date, effective_end,
                   started, counted)
               VALUES ($1, 'sk', 'extratjanst', 'male', '25_plus', 100, '2026-01-01',
                   '2026-12-31', '2026-12-31', true, true)""",
            placement_id,
        )
        await aggregate_store.add(conn, [placement_id], 1)  # where a report reads it
    assert (await scenario.report(kind="year", year=2026))["totals"]["active"] == 8

    result = await rebuild(scenario.config, scenario.reference)

    assert result.replayed_by == "this process"
    assert result.status.last_offset == scenario.published - 1
    rebuilt = await everything(scenario)
    assert rebuilt == live
    assert_year_2026(rebuilt["reports"][0])  # the targets (reference data) survived


async def test_rebuild_while_the_service_runs(scenario: Reporting) -> None:
    """The running consumer notices its emptied position and replays; the command waits."""
    live = await everything(scenario)
    result = await rebuild(scenario.config, scenario.reference, settle_seconds=1.0)
    assert result.replayed_by == "the running service"
    assert await everything(scenario) == live


async def test_a_replay_waits_for_the_first_delivery_of_a_large_prefetch(
    reporting: Reporting,
) -> None:
    """The broker hands a stream consumer its first message later the larger its prefetch
    (half a second at 10,000): a replay must not take that wait for the end of the stream."""
    first = messages()[0]
    copies = 12_000  # one event and its duplicates: each still moves the position
    connection = await aio_pika.connect(reporting.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        message = aio_pika.Message(first.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        for _ in range(copies // 1000):
            await asyncio.gather(
                *(exchange.publish(message, routing_key=first.routing_key) for _ in range(1000))
            )
    config = dataclasses.replace(
        reporting.config, prefetch=10_000, batch_size=5_000, idle_seconds=0.1
    )

    result = await rebuild(config, reporting.reference)

    assert result.status.last_offset == copies - 1
    assert result.status.applied_events == 1


async def test_restart_resumes_after_the_stored_offset(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped in the middle of a batch's transaction, and again after a commit but before the
    broker heard the acknowledgement: each new session starts at the stored offset + 1, and the
    figures come out exact."""
    await reporting.set_targets(2026, TARGETS_2026)
    await reporting.publish(messages())
    starts: list[Any] = []
    consume = stream.consume

    async def recording_consume(*args: Any, **kwargs: Any) -> None:
        starts.append(kwargs["offset"])
        await consume(*args, **kwargs)

    monkeypatch.setattr(consumer_module, "consume", recording_consume)

    # 1. Hang inside the third batch's transaction, then kill the consumer there.
    handle = StreamConsumer._handle
    inside = asyncio.Event()
    batches = 0

    async def hang_in_third(self: StreamConsumer, conn: Any, records: Any) -> None:
        nonlocal batches
        batches += 1
        if batches < 3:
            await handle(self, conn, records)
            return
        async with conn.transaction():
            await conn.execute("DELETE FROM applied_events")  # rolled back with the kill
            inside.set()
            await asyncio.Event().wait()

    monkeypatch.setattr(StreamConsumer, "_handle", hang_in_third)
    reporting.start(batch_size=5)
    async with asyncio.timeout(30):
        await inside.wait()
    await reporting.stop()
    stored = await reporting.position()
    assert stored is not None  # two batches committed, the third rolled back

    # 2. Commit the next batch, then lose the connection before the acknowledgement.
    committed_then_lost: list[int | None] = []

    async def lose_after_commit(self: StreamConsumer, conn: Any, records: Any) -> None:
        await handle(self, conn, records)
        if not committed_then_lost:
            committed_then_lost.append(self.state.position)
            raise ConsumerLost("connection lost after the commit, before the ack")

    monkeypatch.setattr(StreamConsumer, "_handle", lose_after_commit)
    reporting.start(batch_size=5)
    await reporting.caught_up()
    await reporting.stop()

    [lost_at] = committed_then_lost
    assert lost_at is not None
    # each session starts right after what was committed: nothing re-read, nothing skipped
    assert starts == ["first", stored + 1, lost_at + 1]
    async with reporting.pool.acquire() as conn:
        applied = await conn.fetchval("SELECT count(*) FROM applied_events")
        unusable = await conn.fetchval("SELECT count(*) FROM unusable_events")
    assert applied == UNIQUE_VALID_EVENTS + 2  # + the foreign and the unknown-level events
    assert unusable == 5
    assert_year_2026(await reporting.report(kind="year", year=2026))


async def test_killed_at_random_moments_the_figures_stay_exact(reporting: Reporting) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    await reporting.publish(messages())
    rng = random.Random(20260101)
    for _ in range(8):
        reporting.start(batch_size=2)
        await asyncio.sleep(rng.uniform(0.0, 0.15))
        await reporting.stop()
    reporting.start(batch_size=2)
    await reporting.caught_up()
    assert_year_2026(await reporting.report(kind="year", year=2026))


async def test_a_second_replica_stands_by_and_takes_over(reporting: Reporting) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    first = reporting.start()
    await reporting.publish(messages()[:10])

    async def first_attached() -> bool:
        return first.state.attached

    await eventually(first_attached)
    second = StreamConsumer(reporting.config, reporting.reference)
    standby = asyncio.create_task(second.run())

    async def second_waits() -> bool:
        return second.state.role == "standby"

    await eventually(second_waits)
    await reporting.stop()  # the first replica dies; the second takes the lead
    reporting.tasks.append(standby)
    await reporting.publish(messages()[10:])
    await reporting.caught_up()
    assert second.state.role == "active"
    assert_year_2026(await reporting.report(kind="year", year=2026))


async def test_a_closed_connection_is_noticed_and_consuming_resumes(reporting: Reporting) -> None:
    """What a broker restart does to a consumer: its connection goes. The consumer must not
    sit there without a subscription; it reconnects and resumes from the stored offset."""
    await reporting.set_targets(2026, TARGETS_2026)
    consumer = reporting.start()
    await reporting.publish(messages()[:20])
    await reporting.caught_up()
    vhost = reporting.amqp_url.rsplit("/", 1)[1]
    async with management() as api:

        async def consumer_connection() -> bool:
            response = await api.get(f"/api/vhosts/{vhost}/connections")
            return response.status_code == 200 and len(response.json()) >= 1

        await eventually(consumer_connection)  # the management API lists it after a moment
        for connection in (await api.get(f"/api/vhosts/{vhost}/connections")).json():
            closed = await api.delete(
                f"/api/connections/{quote(connection['name'], safe='')}",
                headers={"X-Reason": "test: broker restart"},
            )
            assert closed.status_code == 204

    async def detached() -> bool:
        return not consumer.state.attached

    await eventually(detached)
    await reporting.publish(messages()[20:])
    await reporting.caught_up()
    assert consumer.state.attached
    assert consumer.state.last_error is None
    assert_year_2026(await reporting.report(kind="year", year=2026))


async def test_a_projection_of_another_version_is_replayed_at_start(scenario: Reporting) -> None:
    """An upgrade that changes the fold: the service empties what the old one built when it
    starts, and its consumer replays the stream from the first offset to the same figures."""
    live = await everything(scenario)
    await scenario.stop()
    async with scenario.pool.acquire() as conn:
        await conn.execute("UPDATE projection_version SET version = version - 1")
    settings = ReportingSettings(
        amqp_url=scenario.amqp_url, database_url=scenario.database_url, batch_size=7
    )

    async with reporting_database(settings):  # what a service does when it starts
        assert await scenario.position() is None
        async with scenario.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM placements") == 0
            assert await conn.fetchval("SELECT version FROM projection_version") == (
                PROJECTION_VERSION
            )

    scenario.start()
    await scenario.caught_up()
    assert await everything(scenario) == live
    async with reporting_database(settings):  # the same version: nothing is emptied again
        assert await scenario.position() == scenario.published - 1
