"""The projection in PostgreSQL: load the rows a batch touches, write back what changed, with
the applied event ids, the unusable messages and the stream position, all in the caller's
transaction. Rows are written with one statement per table (``unnest`` of arrays)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from typing import Any

import asyncpg

from reporting.domain import aggregates
from reporting.domain.intake import Rejection
from reporting.domain.projection import (
    AssessmentRow,
    CertificateRow,
    ModuleRow,
    PlacementRow,
    Projection,
    ProjectionRows,
    ValueAddedRow,
)
from reporting.service.ports import ProjectionStatus, UnusableEvent
from runtime.postgres import DATABASE_ERRORS

FOLDED_TABLES = (  # what the events fold into
    "placements",
    "certificates",
    "assessments",
    "module_progress",
    "value_added",
    *aggregates.DIMENSIONS,
)
PROJECTION_TABLES = (
    *FOLDED_TABLES,
    "applied_events",
    "unusable_events",
    "stream_position",
)

_TYPES = {  # PostgreSQL array types for unnest, by column
    "placement_id": "uuid",
    "certificate_id": "uuid",
    "superseded_by": "uuid",
    "assessment_id": "uuid",
    "entry_id": "uuid",
    "employment_rate": "integer",
    "terms_seq": "integer",
    "planned_end_seq": "integer",
    "ended_seq": "integer",
    "days_to_certificate": "integer",
    "assessments": "integer",
    "first_seq": "integer",
    "first_index": "integer",
    "last_seq": "integer",
    "last_index": "integer",
    "level_index": "integer",
    "recorded_seq": "integer",
    "version_seq": "integer",
    "started": "boolean",
    "withdrawn": "boolean",
    "counted": "boolean",
    "certified": "boolean",
    "revoked": "boolean",
    "start_date": "date",
    "planned_end_date": "date",
    "end_date": "date",
    "effective_end": "date",
    "first_certificate_on": "date",
    "issued_on": "date",
    "first_on": "date",
    "last_on": "date",
    "assessed_on": "date",
    "bucket": "date",
    "days": "integer",
    "n": "bigint",
    "rate": "bigint",
    "rate_day": "bigint",
}


def _columns(row_type: type[Any]) -> list[str]:
    return [f.name for f in fields(row_type)]


def _values(row: Any) -> tuple[Any, ...]:
    """A row's fields in column order (``dataclasses.astuple`` deep-copies: too slow here)."""
    return tuple(getattr(row, name) for name in _columns(type(row)))


async def _upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    rows: Collection[tuple[Any, ...]],
) -> None:
    if not rows:
        return
    arrays = [list(values) for values in zip(*rows, strict=True)]
    unnest = ", ".join(f"${i}::{_TYPES.get(c, 'text')}[]" for i, c in enumerate(columns, 1))
    updates = [c for c in columns if c not in key]
    conflict = (
        f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in updates)}"
        if updates
        else "DO NOTHING"
    )
    await conn.execute(
        f"""INSERT INTO {table} ({", ".join(columns)})
            SELECT * FROM unnest({unnest})
            ON CONFLICT ({", ".join(key)}) {conflict}""",
        *arrays,
    )


async def load(conn: asyncpg.Connection, placement_ids: Collection[uuid.UUID]) -> ProjectionRows:
    """The rows of these placements: one query per table, whatever the batch's size."""
    ids = list(placement_ids)

    async def rows(table: str, columns: list[str]) -> list[asyncpg.Record]:
        return await conn.fetch(  # type: ignore[no-any-return]
            f"SELECT {', '.join(columns)} FROM {table} WHERE placement_id = ANY($1::uuid[])", ids
        )

    return ProjectionRows(
        [PlacementRow(**r) for r in await rows("placements", _columns(PlacementRow))],
        [CertificateRow(**r) for r in await rows("certificates", _columns(CertificateRow))],
        [AssessmentRow(**r) for r in await rows("assessments", _columns(AssessmentRow))],
        [ValueAddedRow(**r) for r in await rows("value_added", list(ValueAddedRow._fields))],
    )


async def save(conn: asyncpg.Connection, projection: Projection) -> None:
    await _upsert(
        conn,
        "placements",
        _columns(PlacementRow),
        ["placement_id"],
        [_values(projection.placements[i]) for i in sorted(projection.changed_placements)],
    )
    await _upsert(
        conn,
        "certificates",
        _columns(CertificateRow),
        ["certificate_id"],
        [_values(projection.certificates[i]) for i in sorted(projection.changed_certificates)],
    )
    await _upsert(
        conn,
        "assessments",
        _columns(AssessmentRow),
        ["placement_id", "assessment_id"],
        [_values(projection.assessments[k]) for k in sorted(projection.changed_assessments)],
    )
    await _upsert(
        conn,
        "value_added",
        list(ValueAddedRow._fields),
        ["placement_id", "entry_id"],
        [projection.value_added[k] for k in sorted(projection.changed_value_added)],
    )
    await _replace_modules(conn, projection.modules)


async def _replace_modules(
    conn: asyncpg.Connection, modules: dict[uuid.UUID, list[ModuleRow]]
) -> None:
    """The module rows of these placements, all of them: a correction may have moved a
    module's last assessment elsewhere, so what is stored goes first."""
    if not modules:
        return
    await conn.execute(
        "DELETE FROM module_progress WHERE placement_id = ANY($1::uuid[])", sorted(modules)
    )
    await _upsert(
        conn,
        "module_progress",
        _columns(ModuleRow),
        ["placement_id", "module"],
        [_values(row) for placement_id in sorted(modules) for row in modules[placement_id]],
    )


async def first_deliveries(
    conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Record the ids; return those not recorded before (the others are duplicates)."""
    if not event_ids:
        return set()
    rows = await conn.fetch(
        """INSERT INTO applied_events (event_id) SELECT unnest($1::uuid[])
           ON CONFLICT DO NOTHING RETURNING event_id""",
        list(event_ids),
    )
    return {row["event_id"] for row in rows}


async def record_rejections(conn: asyncpg.Connection, rejections: Iterable[Rejection]) -> None:
    await conn.executemany(
        """INSERT INTO unusable_events (stream_offset, routing_key, reason, detail, event_id,
               event_type, producer)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (stream_offset) DO NOTHING""",
        [
            (r.offset, r.routing_key, r.reason, r.detail, r.event_id, r.event_type, r.producer)
            for r in rejections
        ],
    )


async def position(conn: asyncpg.Connection, stream: str, *, lock: bool = False) -> int | None:
    """The last offset applied, or None before the first."""
    value = await conn.fetchval(
        "SELECT last_offset FROM stream_position WHERE stream = $1"
        + (" FOR UPDATE" if lock else ""),
        stream,
    )
    return int(value) if value is not None else None


async def store_position(conn: asyncpg.Connection, stream: str, offset: int) -> None:
    await conn.execute(
        """INSERT INTO stream_position (stream, last_offset) VALUES ($1, $2)
           ON CONFLICT (stream) DO UPDATE SET last_offset = $2, updated_at = now()""",
        stream,
        offset,
    )


@asynccontextmanager
async def leader_connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """The stream consumer's own connection: its lead (see ``take_lead``) and its batches live
    and die with it. Closing it releases the lead; as it may be dead already, closing is
    bounded and its errors are not the ones to report.

    Its statements are planned at every run: a replay grows the projection's tables from
    empty, and a plan cached while they were small (a sequential scan for the placements a
    batch loads) stayed in use as they grew, so each batch took longer than the one before
    (statistics come too late to replan: analyse runs at 10 % growth, if at all)."""
    conn = await asyncpg.connect(dsn, server_settings={"plan_cache_mode": "force_custom_plan"})
    try:
        yield conn
    finally:
        with contextlib.suppress(*DATABASE_ERRORS):
            await conn.close(timeout=5)


async def take_lead(conn: asyncpg.Connection, lock: int) -> bool:
    """Hold the advisory lock ``lock`` for as long as the connection lives, if no other
    connection holds it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock))


async def analyse(conn: asyncpg.Connection) -> None:
    """Fresh statistics on the projection's tables (a replay's batches look rows up in them by
    placement; reports read the aggregates)."""
    await conn.execute(f"ANALYZE {', '.join(FOLDED_TABLES)}")


async def empty(conn: asyncpg.Connection) -> None:
    """Empty the projection (a rebuild fills it again); reference data stays."""
    await conn.execute(f"TRUNCATE {', '.join(PROJECTION_TABLES)}")


async def empty_if_outdated(conn: asyncpg.Connection, version: int) -> int | None:
    """Empty the projection if another version of the fold built it, and record ``version``;
    the version that had built what was emptied (None if nothing was). A running consumer
    then finds its position gone and replays the stream from the first offset. The row lock
    makes replicas that start together empty it once."""
    async with conn.transaction():
        stored = await conn.fetchval("SELECT version FROM projection_version FOR UPDATE")
        if stored == version:
            return None
        built = await conn.fetchval(
            "SELECT EXISTS (SELECT FROM stream_position) OR EXISTS (SELECT FROM placements)"
        )
        await empty(conn)
        await conn.execute(
            "UPDATE projection_version SET version = $1, changed_at = now()", version
        )
        return int(stored) if built else None


# --- for operators ------------------------------------------------------------------------------


async def unusable_events(
    conn: asyncpg.Connection, *, after_offset: int = -1, limit: int = 100
) -> list[UnusableEvent]:
    rows = await conn.fetch(
        f"""SELECT {", ".join(f.name for f in fields(UnusableEvent))} FROM unusable_events
             WHERE stream_offset > $1 ORDER BY stream_offset LIMIT $2""",
        after_offset,
        limit,
    )
    return [UnusableEvent(**row) for row in rows]


async def status(conn: asyncpg.Connection, stream: str) -> ProjectionStatus:
    row = await conn.fetchrow(
        """SELECT (SELECT last_offset FROM stream_position WHERE stream = $1) AS last_offset,
                  (SELECT updated_at FROM stream_position WHERE stream = $1) AS updated_at,
                  (SELECT count(*) FROM applied_events) AS applied_events,
                  (SELECT count(*) FROM placements WHERE counted) AS placements""",
        stream,
    )
    reasons = await conn.fetch("SELECT reason, count(*) AS n FROM unusable_events GROUP BY reason")
    by_reason = {r["reason"]: int(r["n"]) for r in reasons}
    assert row is not None
    return ProjectionStatus(
        stream=stream,
        last_offset=row["last_offset"],
        updated_at=row["updated_at"],
        applied_events=int(row["applied_events"]),
        placements=int(row["placements"]),
        unusable_events=sum(by_reason.values()),
        unusable_by_reason=by_reason,
    )
