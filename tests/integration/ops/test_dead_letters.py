"""city-ops against the real broker (in the test's own vhost): a dead letter is listed with its
reason, replayed once its cause is fixed and then processed; a replay of letters that still
fail replays each once and says so; purging asks first and can pick by id or reason."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from typing import Any

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
        code, output = await city_ops(
            amqp_url, "dead-letters", "replay", DLQ, "--all", "--wait", "1"
        )
        assert code == 0, output
        assert "replayed 1 message(s)" in output
        assert "failed again within 1 s: 0" in output

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


async def test_a_queue_without_dead_letters_is_an_error_not_a_purge(amqp_url: str) -> None:
    code, output = await city_ops(amqp_url, "dead-letters", "purge", "no.such.queue", "--yes")
    assert code == 2
    assert "there is no queue 'no.such.queue.dead-letter'" in output


async def listed(amqp_url: str, queue: str) -> list[dict[str, Any]]:
    code, output = await city_ops(amqp_url, "dead-letters", "list", queue, "--json")
    assert code == 0, output
    letters: list[dict[str, Any]] = json.loads(output)["dead_letters"]
    return letters


async def json_of(amqp_url: str, *args: str) -> dict[str, Any]:
    code, output = await city_ops(amqp_url, *args, "--json")
    assert code == 0, output
    document: dict[str, Any] = json.loads(output)
    return document


async def dead_letters_of(amqp_url: str, count: int) -> list[dict[str, Any]]:
    """Wait until the test queue holds ``count`` dead letters (asked by its work queue's name)."""
    found: list[dict[str, Any]] = []

    async def all_there() -> bool:
        found[:] = await listed(amqp_url, QUEUE.name)
        return len(found) == count

    await eventually(all_there, interval=0.2)
    return found


async def test_replaying_letters_that_still_fail_replays_each_once(amqp_url: str) -> None:
    """The found bug: replay --all took the letters that failed again as new ones and went on
    for 31 s, reporting 9,441 replays of four messages."""
    attempts: Counter[uuid.UUID] = Counter()

    async def handler(event: PlacementStarted) -> None:
        attempts[event.event_id] += 1
        raise RuntimeError("the workplace register is still down")

    events = [placement_started() for _ in range(4)]
    ids = {str(e.event_id) for e in events}
    async with consumer(amqp_url, handler):
        for event in events:
            await publish_event(amqp_url, event)
        await dead_letters_of(amqp_url, 4)

        started = time.monotonic()
        report = await json_of(amqp_url, "dead-letters", "replay", DLQ, "--all", "--wait", "20")
        elapsed = time.monotonic() - started
        await asyncio.sleep(1)  # a second replay, if any, would show in the attempts

    assert (report["found"], report["replayed"], report["failed_again"]) == (4, 4, 4)
    assert sorted(report["replayed_ids"]) == sorted(ids)
    assert sorted(report["failed_again_ids"]) == sorted(ids)
    assert elapsed < 15, f"the replay took {elapsed:.1f} s"
    # each: the delivery limit's attempts before the replay, and as many after it, once
    assert attempts == {e.event_id: 2 * QUEUE.delivery_limit for e in events}
    letters = await listed(amqp_url, DLQ)
    assert sorted(d["message_id"] for d in letters) == sorted(ids)
    assert {(d["reason"], d["error_type"]) for d in letters} == {("delivery-limit", "RuntimeError")}


async def test_replay_by_id_replays_that_one_message_once(amqp_url: str) -> None:
    attempts: Counter[uuid.UUID] = Counter()

    async def handler(event: PlacementStarted) -> None:
        attempts[event.event_id] += 1
        raise RuntimeError("still failing")

    chosen, other = placement_started(), placement_started()
    async with consumer(amqp_url, handler):
        await publish_event(amqp_url, chosen)
        await publish_event(amqp_url, other)
        await dead_letters_of(amqp_url, 2)
        report = await json_of(
            amqp_url, "dead-letters", "replay", QUEUE.name, "--id", str(chosen.event_id)
        )
        await asyncio.sleep(1)

    assert (report["found"], report["replayed"], report["failed_again"]) == (2, 1, 1)
    assert report["replayed_ids"] == [str(chosen.event_id)]
    assert attempts == {
        chosen.event_id: 2 * QUEUE.delivery_limit,
        other.event_id: QUEUE.delivery_limit,
    }
    assert len(await listed(amqp_url, DLQ)) == 2


async def test_purge_by_reason_or_id_deletes_only_those(amqp_url: str) -> None:
    async def handler(event: PlacementStarted) -> None:
        raise AssertionError("none of these reach the handler")

    no_payload = placement_started().model_dump(mode="json")
    del no_payload["payload"]
    async with consumer(amqp_url, handler):
        await publish(amqp_url, b"{not json", "servicef.PlacementStarted", message_id="garbage")
        await publish(
            amqp_url, json.dumps(no_payload).encode(), "servicef.PlacementStarted",
            message_id="no-payload",
        )  # fmt: skip
        await publish(
            amqp_url,
            placement_started(producer="kulturf").model_dump_json().encode(),
            "servicef.PlacementStarted",
            message_id="spoofed",
        )
        letters = await dead_letters_of(amqp_url, 3)
    assert {d["message_id"]: d["reason"] for d in letters} == {
        "garbage": "malformed",
        "no-payload": "invalid",
        "spoofed": "producer-mismatch",
    }

    purge = ("dead-letters", "purge", QUEUE.name, "--yes")
    by_reason = await json_of(amqp_url, *purge, "--reason", "producer-mismatch")
    assert by_reason["purged_ids"] == ["spoofed"]
    by_id = await json_of(amqp_url, *purge, "--id", "garbage")
    assert by_id["purged_ids"] == ["garbage"]
    assert [d["message_id"] for d in await listed(amqp_url, DLQ)] == ["no-payload"]


async def test_queues_shows_depth_consumers_and_dead_letters(amqp_url: str) -> None:
    code, output = await city_ops(amqp_url, "queues")
    assert code == 0, output
    assert "certificates.placement-events" in output
    assert "reporting.city-stream" in output
    figures = json.loads((await city_ops(amqp_url, "queues", "--json"))[1])
    by_name = {f["name"]: f for f in figures}
    assert by_name["certificates.placement-events"]["kind"] == "quorum"
    assert by_name["reporting.city-stream"]["kind"] == "stream"
