"""Apply one batch of stream messages: the projection rows, the applied event ids, the unusable
messages and the new stream position, all in the caller's transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from contracts.events import Envelope
from contracts.reference import ReferenceData
from reporting.adapters import projection_store as store
from reporting.domain.intake import Rejection, StreamRecord, read, reject_event
from reporting.domain.projection import Projection


class PositionMoved(RuntimeError):
    """The stored position is not where this consumer left it (a rebuild emptied the
    projection, or another consumer wrote): start again from the stored position."""


@dataclass
class BatchResult:
    applied: Counter[str] = field(default_factory=Counter)  # by event type
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # by reason
    last_offset: int | None = None


async def apply_batch(
    conn: asyncpg.Connection,
    stream: str,
    records: list[StreamRecord],
    reference: ReferenceData,
    *,
    expected_position: int | None,
) -> BatchResult:
    """``expected_position`` is the last offset this consumer committed (None before the
    first); the batch is refused with ``PositionMoved`` if the stored one differs."""
    result = BatchResult(last_offset=expected_position)
    stored = await store.position(conn, stream, lock=True)
    if stored != expected_position:
        raise PositionMoved(f"stored position {stored}, expected {expected_position}")
    # A consumer may be handed messages from before its start offset: skip what is applied.
    records = [r for r in records if stored is None or r.offset > stored]
    if not records:
        return result
    events: list[tuple[StreamRecord, Envelope]] = []
    rejections: list[Rejection] = []
    for record in records:
        outcome = read(record)
        if isinstance(outcome, Rejection):
            rejections.append(outcome)
        else:
            events.append((record, outcome))
    fresh = await _first_deliveries(conn, events)
    result.duplicates = len(events) - len(fresh)
    projection = Projection(reference, *await store.load(conn, {e.placement_id for _, e in fresh}))
    for record, event in fresh:
        refusal = projection.apply(event)
        if refusal is None:
            result.applied[event.event_type] += 1
        else:
            rejections.append(reject_event(record.offset, record.routing_key, event, *refusal))
    projection.refresh()
    await store.save(conn, projection)
    await store.record_rejections(conn, rejections)
    result.rejected.update(r.reason for r in rejections)
    result.last_offset = max(r.offset for r in records)
    await store.store_position(conn, stream, result.last_offset)
    return result


async def _first_deliveries(
    conn: asyncpg.Connection, events: list[tuple[StreamRecord, Envelope]]
) -> list[tuple[StreamRecord, Envelope]]:
    """The events not applied before, each once, in stream order."""
    first: dict[uuid.UUID, tuple[StreamRecord, Envelope]] = {}
    for record, event in events:
        first.setdefault(event.event_id, (record, event))
    new = await store.first_deliveries(conn, list(first))
    return [pair for event_id, pair in first.items() if event_id in new]
