"""The repository for a batch of consumed events: a few statements per batch, not several per
event.

:meth:`BatchRepository.prepare` creates and locks every placement of the batch in one
statement (in one order, so two batches never wait for each other the other way round).
The use cases then run unchanged: their placements come from that lock, and the events,
identities and placement states they store are held back and written together, before any
read that must see them and before the commit.

A conflict the one-by-one repository would report to its use case (a sequence another event
holds) shows only when the batch is written; it then fails as a whole, and the consumer
applies its events one by one with :class:`PostgresRepository`, which reports it exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from certificates.adapters.repository import (
    PLACEMENT_COLUMNS,
    PostgresRepository,
    placement_state,
)
from certificates.domain.placement import PlacementState
from contracts.events import Envelope, ParticipantIdentified, PlacementStarted

STARTED = PlacementStarted.model_fields["event_type"].default


class BatchConflict(RuntimeError):
    """The batch's events collide with stored ones: apply them one by one to say which."""


class BatchRepository(PostgresRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__(conn)
        self._placements: dict[uuid.UUID, PlacementState] = {}
        self._started: set[uuid.UUID] = set()
        self._events: dict[tuple[uuid.UUID, int], Envelope] = {}
        self._identities: list[ParticipantIdentified] = []
        self._changed: dict[uuid.UUID, PlacementState] = {}

    async def prepare(self, events: Sequence[Envelope]) -> None:
        """Create and lock the batch's placements, and learn which were started already."""
        first: dict[uuid.UUID, str] = {}  # the producer that creates it, as one by one would
        for event in events:
            first.setdefault(event.placement_id, event.producer)
        ids = sorted(first)
        rows = await self._conn.fetch(
            f"""INSERT INTO placements (placement_id, organisation)
                SELECT * FROM unnest($1::uuid[], $2::text[]) ORDER BY 1
                ON CONFLICT (placement_id) DO UPDATE SET updated_at = now()
                RETURNING {PLACEMENT_COLUMNS}""",
            ids,
            [first[i] for i in ids],
        )
        self._placements = {row["placement_id"]: placement_state(row) for row in rows}
        if any(isinstance(e, PlacementStarted) for e in events):
            started = await self._conn.fetch(
                """SELECT placement_id FROM placement_events
                    WHERE placement_id = ANY($1) AND event_type = $2""",
                ids,
                STARTED,
            )
            self._started = {row["placement_id"] for row in started}

    async def lock_placement(self, placement_id: uuid.UUID, organisation: str) -> PlacementState:
        held = self._placements.get(placement_id)
        if held is None:
            return await super().lock_placement(placement_id, organisation)
        return held

    async def save_placement(self, placement: PlacementState) -> None:
        self._changed[placement.placement_id] = placement

    async def has_event_type(self, placement_id: uuid.UUID, event_type: str) -> bool:
        if event_type == STARTED and placement_id in self._placements:
            return placement_id in self._started
        await self.flush()
        return await super().has_event_type(placement_id, event_type)

    async def add_event(self, event: Envelope) -> uuid.UUID | None:
        held = self._events.setdefault((event.placement_id, event.sequence), event)
        if held is not event:
            return held.event_id
        if isinstance(event, PlacementStarted):
            self._started.add(event.placement_id)
        return None

    async def add_identity(self, event: ParticipantIdentified) -> None:
        self._identities.append(event)

    async def events(self, placement_id: uuid.UUID) -> list[Envelope]:
        await self.flush()
        return await super().events(placement_id)

    async def placement(self, placement_id: uuid.UUID) -> PlacementState | None:
        await self.flush()
        return await super().placement(placement_id)

    async def flush(self) -> None:
        """Write what the batch has held back so far."""
        await self._write_events()
        await self._write_identities()
        await self._write_placements()

    async def _write_events(self) -> None:
        events, self._events = list(self._events.values()), {}
        if not events:
            return
        inserted = await self._conn.fetch(
            """INSERT INTO placement_events (placement_id, sequence, event_id, event_type, body)
               SELECT p, s, i, t, b::jsonb
                 FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[])
                      AS e (p, s, i, t, b)
               ON CONFLICT (placement_id, sequence) DO NOTHING RETURNING event_id""",
            [e.placement_id for e in events],
            [e.sequence for e in events],
            [e.event_id for e in events],
            [e.event_type for e in events],
            [e.model_dump_json() for e in events],
        )
        if len(inserted) != len(events):
            raise BatchConflict("an event's sequence is taken by a stored event")

    async def _write_identities(self) -> None:
        identities, self._identities = self._identities, []
        if not identities:
            return
        await self._conn.execute(
            """INSERT INTO identities (event_id, placement_id, body)
               SELECT i, p, b::jsonb
                 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS e (i, p, b)
                WHERE NOT EXISTS (SELECT 1 FROM placements
                                   WHERE placement_id = p AND identity_erased_on IS NOT NULL)
               ON CONFLICT DO NOTHING""",
            [e.event_id for e in identities],
            [e.placement_id for e in identities],
            [e.model_dump_json() for e in identities],
        )

    async def _write_placements(self) -> None:
        changed, self._changed = list(self._changed.values()), {}
        if not changed:
            return
        await self._conn.execute(
            """UPDATE placements p
                  SET status = c.status, ended_at = c.ended_at, waiting_reason = c.reason,
                      missing_sequences = c.missing::int[],
                      certificate_events = c.certificate_events,
                      waiting_since = c.waiting_since, updated_at = now()
                 FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[],
                             $5::text[], $6::int[], $7::timestamptz[])
                      AS c (placement_id, status, ended_at, reason, missing,
                            certificate_events, waiting_since)
                WHERE p.placement_id = c.placement_id""",
            [p.placement_id for p in changed],
            [p.status for p in changed],
            [p.ended_at for p in changed],
            [p.waiting_reason for p in changed],
            [array_literal(p.missing_sequences) for p in changed],
            [p.certificate_events for p in changed],
            [p.waiting_since for p in changed],
        )


def array_literal(values: Sequence[int]) -> str:
    """``{1,2}``: PostgreSQL cannot unnest an array of arrays of different lengths, so each
    placement's list travels as text."""
    return "{" + ",".join(str(v) for v in values) + "}"
