"""Run the certificates service.

python -m certificates                 # consumers, outbox relay and the HTTP API
python -m certificates erase-expired   # erase identity data past the retention period, once
"""

from __future__ import annotations

import sys

from certificates import operations
from certificates.bootstrap import bootstrap
from certificates.settings import CertificatesSettings
from runtime.lifecycle import serve_or_erase


def main(argv: list[str] | None = None) -> None:
    settings = CertificatesSettings()
    serve_or_erase(
        argv,
        doc=__doc__ or "",
        prog="python -m certificates",
        settings=settings,
        bootstrap=lambda: bootstrap(settings),
        erase_expired=lambda: operations.erase_expired(settings),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
