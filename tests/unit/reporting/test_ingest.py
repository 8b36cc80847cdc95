"""Applying batches of stream messages through the handler, on an in-memory unit of work:
the fold, duplicates, unusable messages, order and the position, without servers."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import ParticipantIdentified, ParticipantIdentifiedPayload
from contracts.reference import load_reference_data
from reporting.domain.intake import StreamRecord
from reporting.service.ingest import BatchResult, PositionMoved, apply_batch
from reporting.stream.rebuild import empty_projection
from tests.integration.reporting.corrections import corrections
from tests.integration.reporting.scenario import (
    UNIQUE_VALID_EVENTS,
    Message,
    scenario_events,
    unusable_messages,
)
from tests.unit.reporting.fakes import FakeProjectionUnitOfWork, ProjectionState

REFERENCE = load_reference_data()
EVENTS = scenario_events()  # once: every call makes new event ids
CORRECTIONS = corrections(EVENTS)


def records(batch: Iterable[Message], first_offset: int = 0) -> list[StreamRecord]:
    return [
        StreamRecord(offset, message.routing_key, message.body)
        for offset, message in enumerate(batch, first_offset)
    ]


def event_messages() -> list[Message]:
    return [Message(e.routing_key, e.model_dump_json().encode()) for e in EVENTS]


def corrected_messages() -> list[Message]:
    """The scenario, then its corrections and a withdrawal."""
    return event_messages() + [
        Message(e.routing_key, e.model_dump_json().encode()) for e in CORRECTIONS
    ]


async def apply(
    uow: FakeProjectionUnitOfWork, batch: list[StreamRecord], expected: int | None = None
) -> BatchResult:
    return await apply_batch(uow, batch, REFERENCE, expected_position=expected)


def tables(state: ProjectionState) -> dict[str, Any]:
    """The projection's rows, without the position and the bookkeeping."""
    return {
        "placements": state.placements,
        "certificates": state.certificates,
        "assessments": state.assessments,
        "modules": state.modules,
        "value_added": state.value_added,
    }


async def test_a_batch_folds_into_the_projection_and_moves_the_position() -> None:
    uow = FakeProjectionUnitOfWork()
    batch = records(event_messages())

    result = await apply(uow, batch)

    assert uow.commits == 1
    assert uow.state.position == result.last_offset == len(batch) - 1
    assert sum(result.applied.values()) == UNIQUE_VALID_EVENTS
    assert result.duplicates == len(batch) - UNIQUE_VALID_EVENTS  # the scenario repeats some
    assert not result.rejected
    assert len(uow.state.applied) == UNIQUE_VALID_EVENTS
    counted = [p for p in uow.state.placements.values() if p.start_date is not None]
    assert len(counted) == 8  # P9 has only its end: not a counted placement
    assert uow.state.certificates
    assert uow.state.modules
    assert uow.state.value_added


async def test_redelivered_events_are_duplicates_and_change_nothing() -> None:
    uow = FakeProjectionUnitOfWork()
    first = records(event_messages())
    await apply(uow, first)
    before = tables(uow.state)

    again = records(event_messages(), first_offset=len(first))  # published twice
    result = await apply(uow, again, expected=len(first) - 1)

    assert result.duplicates == len(again)
    assert not result.applied
    assert not result.rejected
    assert tables(uow.state) == before
    assert uow.state.position == len(first) + len(again) - 1


async def test_messages_up_to_the_stored_position_are_skipped() -> None:
    uow = FakeProjectionUnitOfWork()
    batch = records(event_messages())
    await apply(uow, batch[:10])
    result = await apply(uow, batch, expected=9)  # handed the first ten again
    assert result.duplicates == len(batch) - UNIQUE_VALID_EVENTS  # the scenario's own only
    assert uow.state.position == len(batch) - 1


async def test_unusable_messages_are_recorded_with_their_reason() -> None:
    valid = EVENTS[0]
    identity = ParticipantIdentified(
        producer="sk",
        placement_id=valid.placement_id,
        sequence=1,
        payload=ParticipantIdentifiedPayload(
            personnummer="19900101-2389", given_name="Amina", family_name="Hassan"
        ),
    )
    invalid = valid.model_dump(mode="json")
    invalid["payload"]["gender"] = "unknown"
    invalid["event_id"] = str(uuid.uuid4())
    extra = [
        (Message(identity.routing_key, identity.model_dump_json().encode()), "identity_event"),
        (Message(valid.routing_key, json.dumps(invalid).encode()), "invalid"),
    ]
    unusable = unusable_messages() + extra
    uow = FakeProjectionUnitOfWork()
    batch = records(event_messages() + [m for m, _ in unusable])

    result = await apply(uow, batch)

    expected = {len(batch) - len(unusable) + i: reason for i, (_, reason) in enumerate(unusable)}
    assert {o: r.reason for o, r in uow.state.rejections.items()} == expected
    assert result.rejected == Counter(expected.values())
    assert {r.reason for r in uow.state.rejections.values()} == {
        "malformed",
        "unknown_event_type",
        "identity_event",
        "invalid",
        "producer-mismatch",
        "foreign_placement",
        "unknown_level",
    }
    assert "Amina" not in repr(uow.state.rejections)
    assert uow.state.position == len(batch) - 1


@pytest.mark.parametrize("seed", range(5))
async def test_events_in_any_order_and_batching_give_the_same_projection(seed: int) -> None:
    in_order = FakeProjectionUnitOfWork()
    await apply(in_order, records(event_messages()))

    rng = random.Random(seed)
    shuffled = event_messages()
    rng.shuffle(shuffled)
    uow = FakeProjectionUnitOfWork()
    position: int | None = None
    batch = records(shuffled)
    while batch:
        size = rng.randint(1, 7)
        result = await apply(uow, batch[:size], expected=position)
        position, batch = result.last_offset, batch[size:]

    assert tables(uow.state) == tables(in_order.state)
    assert uow.state.applied == {e.event_id for e in EVENTS}


async def test_a_moved_position_is_refused_and_nothing_changes() -> None:
    uow = FakeProjectionUnitOfWork(ProjectionState(position=41))
    before = tables(uow.state)
    with pytest.raises(PositionMoved):
        await apply(uow, records(event_messages(), first_offset=42), expected=30)
    assert uow.commits == 0
    assert uow.state.position == 41
    assert tables(uow.state) == before
    assert not uow.state.applied


async def test_an_emptied_projection_is_refused_too() -> None:
    """A rebuild emptied the position under a running consumer: it must start over."""
    uow = FakeProjectionUnitOfWork()
    with pytest.raises(PositionMoved):
        await apply(uow, records(event_messages()), expected=99)
    assert uow.state == ProjectionState()


async def test_a_rebuild_empties_the_projection_and_replays_to_the_same_rows() -> None:
    uow = FakeProjectionUnitOfWork()
    batch = records(event_messages() + [m for m, _ in unusable_messages()])
    await apply(uow, batch)
    live = uow.state

    await empty_projection(uow)
    assert uow.state == ProjectionState()
    await apply(uow, batch)

    assert uow.state == live


async def in_batches(messages: list[Message], sizes: list[int]) -> FakeProjectionUnitOfWork:
    """Apply the messages as a consumer would, in batches of the given sizes (the last
    repeated)."""
    uow = FakeProjectionUnitOfWork()
    batch, position, index = records(messages), None, 0
    while batch:
        size = sizes[min(index, len(sizes) - 1)]
        result = await apply(uow, batch[:size], expected=position)
        position, batch, index = result.last_offset, batch[size:], index + 1
    return uow


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_corrections_shuffled_duplicated_and_batched_give_the_same_projection(
    data: st.DataObject,
) -> None:
    """Redelivered events (the outbox is at-least-once) and any order: one state."""
    messages = corrected_messages()
    expected = await in_batches(messages, [len(messages)])
    again = data.draw(st.lists(st.sampled_from(messages), max_size=15), label="redelivered")
    order = data.draw(st.permutations(messages + again), label="order")
    sizes = data.draw(st.lists(st.integers(1, 9), min_size=1, max_size=10), label="sizes")

    uow = await in_batches(order, sizes)

    assert tables(uow.state) == tables(expected.state)
    assert uow.state.applied == {e.event_id for e in EVENTS + CORRECTIONS}
    withdrawn = uow.state.placements[CORRECTIONS[-1].placement_id]
    assert withdrawn.withdrawn
    assert not withdrawn.counted
