"""What the reporting service answers, read from one snapshot: a period's report (counted in
the database, assembled in the domain), the reference data, and the projection's state."""

from __future__ import annotations

from contracts.organisations import OrganisationRegister
from contracts.reference import ReferenceData
from reporting.domain.periods import Period
from reporting.domain.report import build_report
from reporting.schemas import Report
from reporting.service.ports import ProjectionStatus, Snapshot, UnusableEvent


async def report(snapshot: Snapshot, period: Period, reference: ReferenceData) -> Report:
    async with snapshot:
        aggregates = await snapshot.aggregates(period)
        register = await snapshot.register()
        targets = (
            (await snapshot.targets(period.year)).get(period.year)
            if period.year is not None
            else None
        )
    return build_report(period, aggregates, register, targets, reference)


async def register(snapshot: Snapshot) -> OrganisationRegister:
    async with snapshot:
        return await snapshot.register()


async def targets(snapshot: Snapshot, year: int | None = None) -> dict[int, dict[str, int]]:
    """Every year's targets by committee, or one year's (absent if it has none)."""
    async with snapshot:
        return await snapshot.targets(year)


async def status(snapshot: Snapshot, stream: str) -> ProjectionStatus:
    """Stream position, applied events, placements and unusable messages by reason."""
    async with snapshot:
        return await snapshot.status(stream)


async def unusable_events(
    snapshot: Snapshot, *, after_offset: int = -1, limit: int = 100
) -> list[UnusableEvent]:
    """Stream messages the projection recorded as unusable, in stream order."""
    async with snapshot:
        return await snapshot.unusable_events(after_offset=after_offset, limit=limit)
