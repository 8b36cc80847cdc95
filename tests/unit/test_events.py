"""The event contract: what producers may send and what consumers accept."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from contracts.events import (
    ALL_EVENTS,
    CITY_WIDE_EVENTS,
    CORRECTION_EVENTS,
    PLACEMENT_EVENTS,
    ParticipantIdentified,
    PlacementEndCorrectedPayload,
    PlacementStarted,
    PlacementWithdrawn,
    UnknownEventType,
    ValueAdded,
    parse_event,
    value_added_entries,
)
from contracts.topology import EVENTS_EXCHANGE, IDENTITY_EXCHANGE, exchange_for
from tools.samples import placement_started


def wire(event: PlacementStarted) -> dict[str, object]:
    document: dict[str, object] = json.loads(event.model_dump_json())
    return document


def test_round_trip_through_the_wire_format() -> None:
    event = placement_started()
    assert parse_event(wire(event)) == event


def test_consumers_ignore_fields_added_by_a_newer_producer() -> None:
    document = wire(placement_started())
    document["new_envelope_field"] = 1
    assert isinstance(document["payload"], dict)
    document["payload"]["new_payload_field"] = "x"
    assert isinstance(parse_event(document), PlacementStarted)


def test_routing_key_is_producer_and_event_type() -> None:
    assert placement_started(producer="kulturf").routing_key == "kulturf.PlacementStarted"


def test_occurred_at_must_carry_a_timezone_and_is_kept_in_utc() -> None:
    document = wire(placement_started())
    document["occurred_at"] = "2026-03-01T10:00:00"
    with pytest.raises(ValidationError, match="timezone"):
        parse_event(document)
    document["occurred_at"] = datetime(2026, 3, 1, 11, tzinfo=timezone(timedelta(hours=1)))
    assert parse_event(document).occurred_at == datetime(2026, 3, 1, 10, tzinfo=UTC_)


UTC_ = timezone.utc  # noqa: UP017  (readable next to the +01:00 above)


def test_sequence_starts_at_one() -> None:
    document = wire(placement_started())
    document["sequence"] = 0
    with pytest.raises(ValidationError, match="sequence"):
        parse_event(document)


def test_planned_end_before_start_is_refused() -> None:
    document = wire(placement_started())
    assert isinstance(document["payload"], dict)
    document["payload"]["planned_end_date"] = "2025-01-01"
    with pytest.raises(ValidationError, match="planned_end_date is before start_date"):
        parse_event(document)


def test_an_event_type_claimed_by_another_model_is_refused() -> None:
    document = wire(placement_started())
    document["event_type"] = "PlacementEnded"
    with pytest.raises(ValidationError):
        parse_event(document)
    document["event_type"] = "PlacementDeleted"
    with pytest.raises(UnknownEventType):
        parse_event(document)


def test_identity_data_has_its_own_exchange_and_nothing_city_wide_carries_it() -> None:
    assert exchange_for(ParticipantIdentified) == IDENTITY_EXCHANGE
    assert all(exchange_for(e) == EVENTS_EXCHANGE for e in CITY_WIDE_EVENTS)
    identity_fields = {"personnummer", "given_name", "family_name", "supervisor_name"}
    for event in CITY_WIDE_EVENTS:
        schema = json.dumps(event.model_json_schema())
        assert not any(f'"{name}"' in schema for name in identity_fields), event.type_name()


def test_every_event_type_is_unique_and_versioned() -> None:
    names = [e.type_name() for e in ALL_EVENTS]
    assert len(names) == len(set(names))
    assert all(e.model_fields["schema_version"].default == 1 for e in ALL_EVENTS)


def test_envelope_defaults_give_fresh_ids() -> None:
    a, b = placement_started(), placement_started()
    assert a.event_id != b.event_id
    assert isinstance(uuid.UUID(a.correlation_id), uuid.UUID)


def test_a_planned_mervärde_entry_keeps_its_id_on_every_reading() -> None:
    """A correction names an entry by id; every service must derive the same one."""
    planned = [ValueAdded(beneficiary="workplace", category=c, description="") for c in ("a", "b")]
    event = placement_started()
    event = event.model_copy(
        update={"payload": event.payload.model_copy(update={"planned_value_added": planned})}
    )
    again = parse_event(wire(event))
    assert isinstance(again, PlacementStarted)
    ids = [entry_id for entry_id, _, _ in value_added_entries(event)]
    assert ids == [entry_id for entry_id, _, _ in value_added_entries(again)]
    assert len(set(ids)) == 2
    assert event.event_id not in ids


def test_a_correction_without_a_reason_or_an_author_is_refused() -> None:
    payload = {"end_date": "2026-05-01", "outcome": "A", "reason": " ", "corrected_by": "kim"}
    with pytest.raises(ValidationError, match="reason"):
        PlacementEndCorrectedPayload.model_validate(payload)
    with pytest.raises(ValidationError, match="corrected_by"):
        PlacementEndCorrectedPayload.model_validate(
            {**payload, "reason": "typo", "corrected_by": ""}
        )


def test_every_correction_is_a_city_wide_placement_event() -> None:
    assert set(CORRECTION_EVENTS) <= set(PLACEMENT_EVENTS)
    assert all(e.type_name().endswith("Corrected") for e in CORRECTION_EVENTS)
    assert PlacementWithdrawn in PLACEMENT_EVENTS
