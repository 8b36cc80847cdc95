"""What an operator (or the ops CLI) asks of the placements service, without its HTTP API."""

from __future__ import annotations

from placements.settings import PlacementsSettings
from runtime.outbox import OutboxStatus, outbox_status
from runtime.retention import RetentionRun, run_once_now


async def erase_expired(settings: PlacementsSettings) -> RetentionRun | None:
    """One run of the retention job now (None if a replica is running it right now)."""
    # The composition root, imported when used: the other commands start without its weight.
    from placements.bootstrap import MIGRATIONS, retention_job

    return await run_once_now(
        settings.database_url.get_secret_value(),
        MIGRATIONS,
        lambda pool: retention_job(settings, pool),
    )


async def outbox(database_url: str) -> OutboxStatus:
    """Events not yet confirmed by the broker, the oldest one's age, and failing publishes."""
    return await outbox_status(database_url)
