"""Storage limitation: a participant's identity data is erased a period after the placement
ended. The runtime's retention job decides when, runs it once at a time and reports it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from placements.service.ports import UnitOfWork

BATCH = 500
"""Placements per transaction: a long backlog (the first run, a ten-year backfill) never holds
one huge transaction."""


async def erase_expired(
    unit_of_work: Callable[[], UnitOfWork], today: date, ended_on_or_before: date
) -> dict[str, int]:
    """Erase the name, personnummer and supervisor of every placement that ended on or before
    the day, and the stored answers that repeat them; the counts by kind."""
    erased = {"placements": 0, "stored_responses": 0}
    while True:
        async with unit_of_work() as uow:
            expired = await uow.placements.identity_expired(ended_on_or_before, BATCH)
            for placement in expired:
                placement.erase_identity(today)
            await uow.placements.save_erased(expired)
            forgotten = await uow.idempotency.forget([p.id for p in expired])
            await uow.commit()
        erased["placements"] += len(expired)
        erased["stored_responses"] += forgotten
        if len(expired) < BATCH:
            return erased
