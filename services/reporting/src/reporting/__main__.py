"""Run the reporting service.

python -m reporting              # consume the city-wide stream and serve HTTP
python -m reporting rebuild      # empty the projection and replay the stream from the start
python -m reporting status       # stream position and counts, as JSON
python -m reporting unusable     # messages recorded as unusable, as JSON lines
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from typing import Any

import aiormq

from contracts.topology import REPORTING_CITY_STREAM
from reporting import operations
from reporting.adapters.stream import declare_stream
from reporting.bootstrap import build, reporting_database
from reporting.settings import ReportingSettings
from runtime.lifecycle import run_service, serve_http
from runtime.logging import configure_logging, get_logger

log = get_logger(__name__)


async def declare_when_possible(settings: ReportingSettings) -> None:
    """The stream binds to ``city.events``, which the publishers declare: wait for it."""
    while True:
        try:
            await declare_stream(settings.amqp_url.get_secret_value(), REPORTING_CITY_STREAM)
            return
        except aiormq.exceptions.ChannelNotFoundEntity as error:
            log.warning("exchange not there yet; retrying", error=str(error))
            await asyncio.sleep(settings.reconnect_seconds)


async def serve(settings: ReportingSettings) -> None:
    async with reporting_database(settings) as pool:
        if settings.declare_topology:
            await declare_when_possible(settings)
        app, consumer = build(settings, pool)

        async def consume() -> None:
            await consumer.run()

        await serve_http(app, settings.http_host, settings.http_port, background=[consume()])


def _json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), default=str, ensure_ascii=False)


async def command(name: str, settings: ReportingSettings) -> None:
    database_url = settings.database_url.get_secret_value()
    if name == "rebuild":
        if settings.declare_topology:
            await declare_when_possible(settings)
        print(_json(await operations.rebuild(settings)))
    elif name == "status":
        print(_json(await operations.status(database_url)))
    elif name == "unusable":
        for event in await operations.unusable_events(database_url, limit=1000):
            print(_json(event))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m reporting", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "rebuild", "status", "unusable"]
    )
    args = parser.parse_args(argv)
    settings = ReportingSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    if args.command == "serve":
        run_service(lambda: serve(settings))
    else:
        asyncio.run(command(args.command, settings))


if __name__ == "__main__":
    main(sys.argv[1:])
