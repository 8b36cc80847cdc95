"""Run the placements service.

python -m placements                 # the HTTP API and the outbox relay
python -m placements erase-expired   # erase identity data past the retention period, once
"""

from __future__ import annotations

import sys

from placements import operations
from placements.bootstrap import bootstrap
from placements.settings import PlacementsSettings
from runtime.lifecycle import serve_or_erase


def main(argv: list[str] | None = None) -> None:
    settings = PlacementsSettings()
    serve_or_erase(
        argv,
        doc=__doc__ or "",
        prog="python -m placements",
        settings=settings,
        bootstrap=lambda: bootstrap(settings),
        erase_expired=lambda: operations.erase_expired(settings),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
