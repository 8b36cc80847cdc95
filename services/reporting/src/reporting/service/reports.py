"""What the reporting service answers, read from one snapshot: a period's report (counted in
the database, assembled in the domain), the reference data, and the projection's state."""

from __future__ import annotations

from contracts.organisations import OrganisationRegister
from contracts.reference import ReferenceData
from reporting.domain import drilldown
from reporting.domain.drilldown import Unit
from reporting.domain.periods import Period
from reporting.domain.report import build_report
from reporting.schemas import Report
from reporting.service.ports import ProjectionStatus, Snapshot, UnusableEvent

CITY_UNIT = Unit()


async def report(
    snapshot: Snapshot, period: Period, reference: ReferenceData, unit: Unit = CITY_UNIT
) -> Report:
    """The report of one unit (the city by default); ``UnitError`` if the register has no such
    committee."""
    async with snapshot:
        resolved = drilldown.resolve(unit, await snapshot.register())
        aggregates = await snapshot.aggregates(period, resolved.scope)
        city_targets = (
            (await snapshot.targets(period.year)).get(period.year)
            if period.year is not None
            else None
        )
    targets = drilldown.unit_targets(unit, city_targets)
    built = build_report(period, aggregates, resolved.register, targets, reference)
    return built.model_copy(
        update={
            "unit": resolved.unit,
            "by_workplace": drilldown.workplace_groups(aggregates.workplaces, period),
        }
    )


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
