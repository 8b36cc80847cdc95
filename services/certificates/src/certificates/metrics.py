"""The certificates service's own Prometheus metrics and log lines, for what was committed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import asyncpg
from prometheus_client import Counter, Gauge

from certificates.adapters.waiting import waiting_summary
from contracts.events import CertificateIssued, CertificateRevoked, Envelope
from runtime.logging import get_logger

log = get_logger(__name__)

CERTIFICATES_ISSUED = Counter(
    "certificates_issued_total", "Certificates issued, first issues and re-issues.", ["reissue"]
)
CERTIFICATES_REVOKED = Counter("certificates_revoked_total", "Certificates revoked.")
CERTIFICATES_WAITING = Gauge(
    "certificates_waiting", "Ended placements whose certificate waits for missing events."
)
CERTIFICATES_WAITING_OLDEST = Gauge(
    "certificates_waiting_oldest_age_seconds",
    "How long the longest-waiting ended placement has waited (0 when none).",
)


async def monitor_waiting(pool: asyncpg.Pool, *, interval: float = 5.0) -> None:
    """Keep the waiting gauges current for /metrics (an alert fires on a long wait)."""
    while True:
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            async with pool.acquire() as conn:
                summary = await waiting_summary(conn)
            CERTIFICATES_WAITING.set(summary.count)
            CERTIFICATES_WAITING_OLDEST.set(summary.oldest_age_seconds or 0.0)
        await asyncio.sleep(interval)


def observe_committed(events: Iterable[Envelope]) -> None:
    """Count and log the certificate events a transaction has just committed."""
    for event in events:
        if isinstance(event, CertificateIssued):
            reissue = event.payload.supersedes is not None
            CERTIFICATES_ISSUED.labels("true" if reissue else "false").inc()
            log.info(
                "certificate issued",
                certificate_id=str(event.payload.certificate_id),
                certificate_number=event.payload.certificate_number,
                placement_id=str(event.placement_id),
                supersedes=str(event.payload.supersedes) if reissue else None,
            )
        elif isinstance(event, CertificateRevoked):
            CERTIFICATES_REVOKED.inc()
            log.info(
                "certificate revoked",
                certificate_id=str(event.payload.certificate_id),
                placement_id=str(event.placement_id),
            )
