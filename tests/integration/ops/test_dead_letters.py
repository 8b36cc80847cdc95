"""city-ops against the real broker: a dead letter is listed with its reason, replayed once
its cause is fixed and then processed; purging asks first."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import asyncpg
import pytest

from contracts.events import PlacementStarted
from tests.integration.test_consumer import QUEUE, consumer, publish, publish_event
from tests.support import eventually, placement_started

pytestmark = pytest.mark.integration
DLQ = QUEUE.dead_letter_queue


async def city_ops(amqp_url: str, *args: str, answer: str = "") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", *args,
        env={**os.environ, "OPS_AMQP_URL": amqp_url},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate(answer.encode())
    return process.returncode or 0, output.decode()


async def test_a_replayed_dead_letter_is_processed(amqp_url: str, pool: asyncpg.Pool) -> None:
    applied: list[uuid.UUID] = []
    broken = True

    async def handler(event: PlacementStarted) -> None:
        if broken:
            raise RuntimeError("the workplace register is down")
        applied.append(event.event_id)

    event = placement_started()
    async with consumer(amqp_url, handler):
        await publish_event(amqp_url, event)

        async def dead_lettered() -> bool:
            _, output = await city_ops(amqp_url, "dead-letters", "list", DLQ)
            return str(event.event_id) in output

        await eventually(dead_lettered)
        code, listing = await city_ops(amqp_url, "dead-letters", "list", DLQ)
        assert "delivery-limit" in listing
        assert "the workplace register is down" in listing
        code, shown = await city_ops(amqp_url, "dead-letters", "show", DLQ, str(event.event_id))
        assert code == 0, shown
        assert '"event_type": "PlacementStarted"' in shown

        broken = False  # the cause is fixed
        code, output = await city_ops(amqp_url, "dead-letters", "replay", DLQ, "--all")
        assert code == 0, output
        assert "replayed 1 message(s)" in output

        async def processed() -> bool:
            return applied == [event.event_id]

        await eventually(processed)
    code, output = await city_ops(amqp_url, "dead-letters", "list", DLQ)
    assert "is empty" in output


async def test_purge_asks_before_deleting(amqp_url: str, pool: asyncpg.Pool) -> None:
    async def handler(event: PlacementStarted) -> None:
        raise AssertionError("malformed messages never reach the handler")

    async with consumer(amqp_url, handler):
        await publish(amqp_url, b"not json", "servicef.PlacementStarted", message_id="garbage")

        async def dead_lettered() -> bool:
            return "garbage" in (await city_ops(amqp_url, "dead-letters", "list", DLQ))[1]

        await eventually(dead_lettered)

    code, output = await city_ops(amqp_url, "dead-letters", "purge", DLQ, answer="n\n")
    assert code != 0
    assert "Aborted" in output
    assert "garbage" in (await city_ops(amqp_url, "dead-letters", "list", DLQ))[1]

    code, output = await city_ops(amqp_url, "dead-letters", "purge", DLQ, answer="y\n")
    assert code == 0, output
    assert "purged 1 message(s)" in output


async def test_only_dead_letter_queues_can_be_purged(amqp_url: str) -> None:
    code, output = await city_ops(amqp_url, "dead-letters", "purge", QUEUE.name, "--yes")
    assert code == 2
    assert "is not a dead-letter queue" in output


async def test_queues_shows_depth_consumers_and_dead_letters(amqp_url: str) -> None:
    code, output = await city_ops(amqp_url, "queues")
    assert code == 0, output
    assert "certificates.placement-events" in output
    assert "reporting.city-stream" in output
