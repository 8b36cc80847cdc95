"""The certificates service's own Prometheus metrics and log lines, for what was committed."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

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


PDF_BACKLOG = Gauge(
    "certificates_pdf_backlog", "Certificates issued whose PDF is not rendered yet."
)
PDF_BACKLOG_FAILING = Gauge(
    "certificates_pdf_backlog_failing",
    "Certificates in the PDF backlog whose rendering failed at least once (see the log).",
)
PDF_BACKLOG_OLDEST = Gauge(
    "certificates_pdf_backlog_oldest_age_seconds",
    "How long the oldest certificate has waited for its PDF (0 when none).",
)
PDF_RENDERED = Counter("certificates_pdf_rendered_total", "PDFs rendered by the PDF worker.")
