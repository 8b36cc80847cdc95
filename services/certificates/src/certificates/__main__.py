"""Run the certificates service.

python -m certificates                 # consumers, outbox relay and the HTTP API
python -m certificates erase-expired   # erase identity data past the retention period, once
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys

from certificates import operations
from certificates.bootstrap import bootstrap
from certificates.settings import CertificatesSettings
from runtime.lifecycle import run
from runtime.logging import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m certificates", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "erase-expired"])
    args = parser.parse_args(argv)
    settings = CertificatesSettings()
    if args.command == "serve":
        run(lambda: bootstrap(settings))
        return
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    done = asyncio.run(operations.erase_expired(settings))
    print(json.dumps(dataclasses.asdict(done) if done else {"skipped": True}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
