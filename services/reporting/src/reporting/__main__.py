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

from reporting import operations
from reporting.bootstrap import bootstrap
from reporting.settings import ReportingSettings
from runtime.lifecycle import run
from runtime.logging import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m reporting", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "rebuild", "status", "unusable"]
    )
    args = parser.parse_args(argv)
    settings = ReportingSettings()
    if args.command == "serve":
        run(lambda: bootstrap(settings))
    else:
        configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
        asyncio.run(command(args.command, settings))


async def command(name: str, settings: ReportingSettings) -> None:
    database_url = settings.database_url.get_secret_value()
    if name == "rebuild":
        print(_json(await operations.rebuild(settings, declare=settings.declare_topology)))
    elif name == "status":
        print(_json(await operations.status(database_url)))
    elif name == "unusable":
        for event in await operations.unusable_events(database_url, limit=1000):
            print(_json(event))


def _json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), default=str, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
