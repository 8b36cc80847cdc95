"""Storage limitation: a period after a placement ended, the participant's identity goes from
this service too: the identities received, the PDFs (they print the name) and the names in the
stored records. The signed credentials stay as issued (they carry only a salted hash of the
pseudonym), and so do the status lists: a certificate still verifies, its page shows no name.
The runtime's retention job decides when, runs it once at a time and reports it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from certificates.service.ports import UnitOfWork

BATCH = 200
"""Placements per transaction, so that a long backlog never holds one huge transaction."""


async def erase_expired(
    unit_of_work: Callable[[], UnitOfWork], today: date, ended_on_or_before: date
) -> dict[str, int]:
    """Erase the identity of every placement that ended on or before the day; counts by kind."""
    erased = {"placements": 0, "identities": 0, "certificates": 0}
    while True:
        async with unit_of_work() as uow:
            expired = await uow.repository.identity_expired(ended_on_or_before, BATCH)
            identities = await uow.repository.erase_identities(expired, today)
            copies = await uow.repository.records_of(expired)
            for stored in copies:
                await uow.repository.save_erased_copy(
                    stored.certificate_id, stored.record.without_identity()
                )
            await uow.commit()
        erased["placements"] += len(expired)
        erased["identities"] += identities
        erased["certificates"] += len(copies)
        if len(expired) < BATCH:
            return erased
