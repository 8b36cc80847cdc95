"""Run every benchmark in one process and print one JSON object."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from typing import Any

import uvloop

from bench import (
    certificates,
    idempotent_consumer,
    outbox_relay,
    placements_api,
    raw_broker,
    reporting,
)
from bench.common import sandbox
from runtime.logging import configure_logging


def ratio(value: float, ceiling: float) -> float:
    return round(value / ceiling, 3)


async def main() -> dict[str, Any]:
    configure_logging("bench", "WARNING", json=False)
    async with sandbox() as box:
        raw = await raw_broker.measure(box)
    async with sandbox() as box:
        relay = await outbox_relay.measure(box)
    async with sandbox() as box:
        consumer = await idempotent_consumer.measure(box)
    async with sandbox() as box:
        api = await placements_api.measure(box)
    async with sandbox() as box:
        issued = await certificates.measure(box)
    async with sandbox() as box:
        reports = await reporting.measure(box)
    for replay in ("ingest", "rebuild", "rebuild_1m"):
        if replay in reports:
            reports[replay]["ratio_to_raw_consume"] = ratio(
                reports[replay]["events_per_s"], raw["consume_per_s"]
            )
    relay["ratio_to_raw_publish"] = ratio(relay["rows_per_s"], raw["publish_per_s"])
    consumer["ratio_to_raw_consume"] = ratio(consumer["events_per_s"], raw["consume_per_s"])
    issued["consumer"]["ratio_to_raw_consume"] = ratio(
        issued["consumer"]["events_per_s"], raw["consume_per_s"]
    )
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "raw_broker": raw,
        "outbox_relay": relay,
        "idempotent_consumer": consumer,
        "placements_api": api,
        "certificates": issued,
        "reporting": reports,
    }


if __name__ == "__main__":
    # stdout carries the JSON object alone: the services' logs, and those of the child
    # processes they start (the PDF renderer), go to stderr instead.
    result_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # The services run on uvloop (runtime.lifecycle); so do the ceiling and every figure here.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        json.dump(runner.run(main()), result_out, indent=2)
    print(file=result_out)
