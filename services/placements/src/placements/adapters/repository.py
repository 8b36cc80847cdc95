"""Placements in PostgreSQL: the aggregate as JSON, plus the columns the list filters on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg
from pydantic import TypeAdapter

from contracts.events import IDENTITY_EVENTS, Envelope
from placements.domain.errors import PlacementNotFound
from placements.domain.model import Placement
from placements.service.ports import HistoryEntry, PlacementFilter
from runtime.postgres import Write

_PLACEMENT = TypeAdapter(Placement)

_INSERT = """INSERT INTO placements (id, organisation, status, placement_type, workplace,
                 start_date, planned_end_date, end_date, sequence, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)"""
_UPDATE = """UPDATE placements SET organisation = $2, status = $3, placement_type = $4,
                 workplace = $5, start_date = $6, planned_end_date = $7, end_date = $8,
                 sequence = $9, data = $10::jsonb, updated_at = now()
             WHERE id = $1"""


def _dump(placement: Placement) -> str:
    # pydantic's own JSON: a dump to Python and json.dumps walked the aggregate twice
    return _PLACEMENT.dump_json(placement, exclude={"events"}).decode()


def _load(data: str) -> Placement:
    return _PLACEMENT.validate_json(data)


def _payload(event: Envelope) -> str:
    return json.dumps(event.model_dump(mode="json", include={"payload"})["payload"])


def _literal(text: str) -> str:
    """A LIKE pattern that matches ``text`` itself: ``%`` and ``_`` are not wildcards here."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _same(value: object) -> object:
    return value


_FILTERS: tuple[tuple[str, str, Callable[[Any], object]], ...] = (
    ("status", "status = {}", _same),
    ("placement_type", "placement_type = {}", _same),
    ("workplace", "workplace ILIKE {} ESCAPE '\\'", lambda text: f"%{_literal(text)}%"),
    ("active_to", "start_date <= {}", _same),
    ("active_from", "coalesce(end_date, planned_end_date) >= {}", _same),
    ("participant_ref", "data->>'participant_ref' = {}", _same),
    ("supervisor", "lower(data->'supervisor'->>'email') = lower({})", _same),
    ("after", "registration > {}", _same),
)
"""A list's filters: the PlacementFilter field, its condition, and the argument it binds; a
blank field filters nothing."""


class PostgresPlacementRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.seen: dict[uuid.UUID, Placement] = {}
        self._new: set[uuid.UUID] = set()

    def add(self, placement: Placement) -> None:
        self.seen[placement.id] = placement
        self._new.add(placement.id)

    async def get(
        self, organisation: str, placement_id: uuid.UUID, *, lock: bool = True
    ) -> Placement:
        """Load, locked by default: concurrent commands on one placement queue up, so their
        sequences never collide. Another förvaltning's placement is not found."""
        data = await self._conn.fetchval(
            "SELECT data FROM placements WHERE id = $1 AND organisation = $2"
            + (" FOR UPDATE" if lock else ""),
            placement_id,
            organisation,
        )
        if data is None:
            raise PlacementNotFound(placement_id)
        placement = _load(data)
        self.seen[placement.id] = placement
        return placement

    async def active_of_participant(
        self, organisation: str, participant_ref: str
    ) -> list[Placement]:
        """A transaction lock on (förvaltning, participant) first: a concurrent registration
        of the same person waits for this one to commit, then sees it."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"placements:{organisation}:{participant_ref}",
        )
        rows = await self._conn.fetch(
            """SELECT data FROM placements
                WHERE organisation = $1 AND data->>'participant_ref' = $2 AND status = 'active'
                ORDER BY registration""",
            organisation,
            participant_ref,
        )
        return [_load(r["data"]) for r in rows]

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[Placement]:
        """Placements still holding identity that ended (or were withdrawn) on or before the
        day, locked; rows another transaction holds are left for the next batch."""
        rows = await self._conn.fetch(
            """SELECT data FROM placements
                WHERE data->'participant' <> 'null'::jsonb
                  AND coalesce(end_date,
                               (data->'withdrawal'->>'withdrawn_at')::timestamptz::date) <= $1
                ORDER BY registration LIMIT $2 FOR UPDATE SKIP LOCKED""",
            ended_on_or_before,
            limit,
        )
        return [_load(r["data"]) for r in rows]

    async def save_erased(self, placements: list[Placement]) -> None:
        """Write placements whose identity was erased (no event: the identity never was on
        the city-wide stream)."""
        await self._conn.executemany(
            "UPDATE placements SET data = $2::jsonb, updated_at = now() WHERE id = $1",
            [(p.id, _dump(p)) for p in placements],
        )

    def changed(self) -> list[Write]:
        """The writes of every placement that emitted events in this unit of work, for the
        unit of work to send with its commit."""
        writes: list[Write] = [
            (_INSERT if placement.id in self._new else _UPDATE, self._columns(placement))
            for placement in self.seen.values()
            if placement.events
        ]
        self._new.clear()
        return writes

    @staticmethod
    def history_write(events: list[Envelope]) -> Write | None:
        """The events' history rows (not the identity: it stays in the aggregate only)."""
        kept = [e for e in events if type(e) not in IDENTITY_EVENTS]
        if not kept:
            return None
        return (
            """INSERT INTO placement_events (placement_id, sequence, event_id, event_type,
                   occurred_at, correlation_id, payload)
               SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[],
                                    $5::timestamptz[], $6::text[], $7::jsonb[])""",
            (
                [e.placement_id for e in kept],
                [e.sequence for e in kept],
                [e.event_id for e in kept],
                [e.event_type for e in kept],
                [e.occurred_at for e in kept],
                [e.correlation_id for e in kept],
                [_payload(e) for e in kept],
            ),
        )

    async def history(self, placement_id: uuid.UUID) -> list[HistoryEntry]:
        rows = await self._conn.fetch(
            """SELECT sequence, event_id, event_type, occurred_at, correlation_id, payload
                 FROM placement_events WHERE placement_id = $1 ORDER BY sequence""",
            placement_id,
        )
        return [HistoryEntry(**{**r, "payload": json.loads(r["payload"])}) for r in rows]

    async def list(
        self, organisation: str | None, query: PlacementFilter
    ) -> list[tuple[int, Placement]]:
        conditions: list[str] = ["TRUE"]
        args: list[object] = []
        if organisation is not None:
            conditions.append("organisation = $1")
            args.append(organisation)
        for field, sql, value in _FILTERS:
            given = getattr(query, field)
            if given is not None and given != "":
                args.append(value(given))
                conditions.append(sql.format(f"${len(args)}"))
        args.append(query.limit)
        rows = await self._conn.fetch(
            f"""SELECT registration, data FROM placements WHERE {" AND ".join(conditions)}
                 ORDER BY registration LIMIT ${len(args)}""",
            *args,
        )
        return [(r["registration"], _load(r["data"])) for r in rows]

    @staticmethod
    def _columns(p: Placement) -> tuple[object, ...]:
        return (
            p.id,
            p.organisation,
            p.status,
            p.terms.placement_type,
            p.terms.workplace.name,
            p.terms.start_date,
            p.terms.planned_end_date,
            p.end_date,
            p.sequence,
            _dump(p),
        )
