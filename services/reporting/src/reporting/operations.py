"""What an operator (or the ops CLI) asks of the reporting service, without its HTTP API."""

from __future__ import annotations

import asyncpg

from contracts.reference import load_reference_data
from contracts.topology import REPORTING_CITY_STREAM
from reporting.adapters import projection_store
from reporting.adapters.projection_store import ProjectionStatus, UnusableEvent
from reporting.bootstrap import consumer_config, reporting_database
from reporting.service.rebuild import RebuildResult
from reporting.service.rebuild import rebuild as replay
from reporting.settings import ReportingSettings


async def status(database_url: str) -> ProjectionStatus:
    """Stream position, applied events, placements and unusable messages by reason."""
    conn = await asyncpg.connect(database_url)
    try:
        return await projection_store.status(conn, REPORTING_CITY_STREAM.name)
    finally:
        await conn.close()


async def unusable_events(
    database_url: str, *, after_offset: int = -1, limit: int = 100
) -> list[UnusableEvent]:
    """Stream messages the projection recorded as unusable, in stream order."""
    conn = await asyncpg.connect(database_url)
    try:
        return await projection_store.unusable_events(conn, after_offset=after_offset, limit=limit)
    finally:
        await conn.close()


async def rebuild(settings: ReportingSettings) -> RebuildResult:
    """Empty the projection and replay the stream from its first offset (reference data
    stays). Works whether or not the service is running."""
    async with reporting_database(settings):
        pass  # migrated, reference data in place: a rebuild keeps it
    return await replay(consumer_config(settings), load_reference_data())
