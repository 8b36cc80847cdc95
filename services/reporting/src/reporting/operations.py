"""What an operator (or the ops CLI) asks of the reporting service, without its HTTP API: the
functions and the types they return, so that callers need only this module and the settings."""

from __future__ import annotations

from contracts.reference import load_reference_data
from contracts.topology import REPORTING_CITY_STREAM
from reporting.adapters.unit_of_work import PostgresSnapshot, on_database
from reporting.bootstrap import consumer_config, declare_when_possible, reporting_database
from reporting.service import reports
from reporting.service.ports import ProjectionStatus, UnusableEvent
from reporting.settings import ReportingSettings
from reporting.stream.rebuild import RebuildResult
from reporting.stream.rebuild import rebuild as replay

__all__ = [
    "ProjectionStatus",
    "RebuildResult",
    "UnusableEvent",
    "rebuild",
    "status",
    "unusable_events",
]


async def status(database_url: str) -> ProjectionStatus:
    """Stream position, applied events, placements and unusable messages by reason."""
    return await reports.status(
        PostgresSnapshot(on_database(database_url)), REPORTING_CITY_STREAM.name
    )


async def unusable_events(
    database_url: str, *, after_offset: int = -1, limit: int = 100
) -> list[UnusableEvent]:
    """Stream messages the projection recorded as unusable, in stream order."""
    return await reports.unusable_events(
        PostgresSnapshot(on_database(database_url)), after_offset=after_offset, limit=limit
    )


async def rebuild(settings: ReportingSettings, *, declare: bool = False) -> RebuildResult:
    """Empty the projection and replay the stream from its first offset (reference data
    stays). Works whether or not the service is running. ``declare``: declare the stream
    first (waiting for the publishers' exchange), for a rebuild into a fresh broker."""
    async with reporting_database(settings):
        pass  # migrated, reference data in place: a rebuild keeps it
    if declare:
        await declare_when_possible(settings)
    return await replay(consumer_config(settings), load_reference_data())
