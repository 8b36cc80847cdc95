"""What an operator (or the ops CLI) asks of the placements service, without its HTTP API."""

from __future__ import annotations

from runtime.outbox import OutboxStatus, outbox_status


async def outbox(database_url: str) -> OutboxStatus:
    """Events not yet confirmed by the broker, the oldest one's age, and failing publishes."""
    return await outbox_status(database_url)
