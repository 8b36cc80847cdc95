"""Run the placements service.

python -m placements                 # the HTTP API and the outbox relay
python -m placements erase-expired   # erase identity data past the retention period, once
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys

from placements import operations
from placements.bootstrap import bootstrap
from placements.settings import PlacementsSettings
from runtime.lifecycle import run
from runtime.logging import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m placements", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "erase-expired"])
    args = parser.parse_args(argv)
    settings = PlacementsSettings()
    if args.command == "serve":
        run(lambda: bootstrap(settings))
        return
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    done = asyncio.run(operations.erase_expired(settings))
    print(json.dumps(dataclasses.asdict(done) if done else {"skipped": True}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
