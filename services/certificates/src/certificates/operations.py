"""What an operator (or the ops CLI) asks of the certificates service, without its HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from certificates.adapters.waiting import (
    WaitingPlacement,
    WaitingSummary,
    waiting_placements,
    waiting_summary,
)
from certificates.settings import CertificatesSettings
from certificates.signing.keyring import KeyRing
from certificates.signing.keys import ensure_key_file
from certificates.signing.multikey import SigningKey
from runtime.outbox import OutboxStatus, outbox_status
from runtime.postgres import connection
from runtime.retention import RetentionRun, run_once_now

__all__ = [
    "KeyRing",
    "WaitingPlacement",
    "WaitingSummary",
    "compromise_key",
    "erase_expired",
    "outbox",
    "rotate_key",
    "waiting",
]


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


def rotate_key(
    ring_file: Path,
    new_key_file: Path,
    *,
    current_key_file: Path | None = None,
    at: datetime | None = None,
) -> KeyRing:
    """A new signing key (written to ``new_key_file``, owner-only) becomes current; the one
    before retires and still verifies what it signed. The first rotation starts the ring from
    ``current_key_file``. Point ``CERTIFICATES_SIGNING_KEY_FILE`` at the new file and restart."""
    if new_key_file.exists():
        raise FileExistsError(f"{new_key_file} exists: a new key needs a new file")
    if ring_file.exists():
        ring = KeyRing.load(ring_file)
    elif current_key_file is not None:
        current = SigningKey.load(current_key_file.read_text(encoding="ascii"))
        ring = KeyRing.single(current)
    else:
        raise FileNotFoundError(f"no key ring at {ring_file}: name the current key file")
    rotated = ring.rotated(ensure_key_file(new_key_file), at or datetime.now(UTC))
    rotated.save(ring_file)
    return rotated


def compromise_key(ring_file: Path, key_id: str, since: datetime) -> KeyRing:
    """Distrust ``key_id`` from ``since``: what it signed from then on no longer verifies, and
    it leaves the controller document's ``assertionMethod``. Rotate first if it is current."""
    if since.tzinfo is None:
        raise ValueError("give the time with its time zone, e.g. 2026-11-02T09:30:00+01:00")
    ring = KeyRing.load(ring_file).compromised(key_id, since)
    ring.save(ring_file)
    return ring


async def erase_expired(settings: CertificatesSettings) -> RetentionRun | None:
    """One run of the retention job now (None if a replica is running it right now)."""
    # The composition root, imported when used: the other commands start without its weight.
    from certificates.bootstrap import MIGRATIONS, retention_job

    return await run_once_now(
        settings.database_url.get_secret_value(),
        MIGRATIONS,
        lambda pool: retention_job(settings, pool),
    )
