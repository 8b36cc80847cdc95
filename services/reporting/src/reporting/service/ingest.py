"""Apply one batch of stream messages in one unit of work: load the rows the batch touches,
fold the events into them, save what changed with the applied event ids, the unusable
messages and the new stream position, and move the aggregates by what the changed placements
contribute now less what they contributed before."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from contracts.events import Envelope
from contracts.reference import ReferenceData
from reporting.domain.intake import Rejection, StreamRecord, read, reject_event
from reporting.domain.projection import Projection
from reporting.service.ports import ProjectionUnitOfWork

Delivery = tuple[StreamRecord, Envelope]


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
    uow: ProjectionUnitOfWork,
    records: list[StreamRecord],
    reference: ReferenceData,
    *,
    expected_position: int | None,
) -> BatchResult:
    """``expected_position`` is the last offset this consumer committed (None before the
    first); the batch is refused with ``PositionMoved`` if the stored one differs."""
    result = BatchResult(last_offset=expected_position)
    async with uow:
        stored = await uow.position()
        if stored != expected_position:
            raise PositionMoved(f"stored position {stored}, expected {expected_position}")
        # A consumer may be handed messages from before its start offset: skip what is applied.
        records = [r for r in records if stored is None or r.offset > stored]
        if not records:
            return result
        rejections = await _apply(uow, records, reference, result)
        await uow.record_rejections(rejections)
        result.rejected.update(r.reason for r in rejections)
        result.last_offset = max(r.offset for r in records)
        await uow.move_position(result.last_offset)
        await uow.commit()
    return result


async def _apply(
    uow: ProjectionUnitOfWork,
    records: list[StreamRecord],
    reference: ReferenceData,
    result: BatchResult,
) -> list[Rejection]:
    """Fold the batch's new events into their placements' rows and save them; move the
    aggregates by the change. The messages that cannot be used."""
    events, rejections = _read(records)
    fresh = await _first_deliveries(uow, events)
    result.duplicates = len(events) - len(fresh)
    stored = await uow.load({e.placement_id for _, e in fresh})
    projection = Projection(reference, *stored)
    rejections += _fold(projection, fresh, result)
    changed = projection.changed_placements
    # what they contributed before this batch (a placement not stored yet contributed nothing)
    await uow.add_to_aggregates(changed & {p.placement_id for p in stored.placements}, -1)
    await uow.save(projection)
    await uow.add_to_aggregates(changed, 1)
    return rejections


def _read(records: Iterable[StreamRecord]) -> tuple[list[Delivery], list[Rejection]]:
    events: list[Delivery] = []
    rejections: list[Rejection] = []
    for record in records:
        outcome = read(record)
        if isinstance(outcome, Rejection):
            rejections.append(outcome)
        else:
            events.append((record, outcome))
    return events, rejections


def _fold(projection: Projection, fresh: list[Delivery], result: BatchResult) -> list[Rejection]:
    """Apply the events, counting them in ``result``; the ones the projection refuses."""
    refused: list[Rejection] = []
    for record, event in fresh:
        refusal = projection.apply(event)
        if refusal is None:
            result.applied[event.event_type] += 1
        else:
            refused.append(reject_event(record.offset, record.routing_key, event, *refusal))
    projection.refresh()
    return refused


async def _first_deliveries(uow: ProjectionUnitOfWork, events: list[Delivery]) -> list[Delivery]:
    """The events not applied before, each once, in stream order."""
    first: dict[uuid.UUID, Delivery] = {}
    for record, event in events:
        first.setdefault(event.event_id, (record, event))
    new = await uow.first_deliveries(list(first))
    return [pair for event_id, pair in first.items() if event_id in new]
