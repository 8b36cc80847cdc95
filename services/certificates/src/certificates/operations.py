"""What an operator (or the ops CLI) asks of the certificates service, without its HTTP API."""

from __future__ import annotations

from certificates.adapters.waiting import (
    WaitingPlacement,
    WaitingSummary,
    waiting_placements,
    waiting_summary,
)
from runtime.outbox import OutboxStatus, outbox_status
from runtime.postgres import connection

__all__ = ["WaitingPlacement", "WaitingSummary", "outbox", "waiting"]


async def waiting(
    database_url: str, *, organisation: str | None = None, limit: int = 100
) -> tuple[WaitingSummary, list[WaitingPlacement]]:
    """Ended placements waiting for their certificate, longest first; one snapshot."""
    async with connection(database_url) as conn, conn.transaction(readonly=True):
        summary = await waiting_summary(conn, organisation=organisation)
        items = await waiting_placements(conn, organisation=organisation, limit=limit)
    return summary, items


async def outbox(database_url: str) -> OutboxStatus:
    """``CertificateIssued`` and ``CertificateRevoked`` not yet confirmed by the broker."""
    return await outbox_status(database_url)
