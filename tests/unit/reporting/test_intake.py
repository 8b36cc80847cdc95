"""Reading stream messages: typed events, or rejections that keep nothing of the body."""

from __future__ import annotations

import json
import uuid

from contracts.events import ParticipantIdentified, ParticipantIdentifiedPayload, PlacementStarted
from reporting.domain.intake import Rejection, StreamRecord, read
from tools.samples import placement_started


def record(body: bytes | dict[str, object], key: str = "servicef.PlacementStarted") -> StreamRecord:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return StreamRecord(offset=42, routing_key=key, body=raw)


def test_a_valid_event_is_read() -> None:
    event = placement_started()
    assert read(record(event.model_dump_json().encode())) == event


def test_extra_fields_from_a_newer_producer_are_ignored() -> None:
    document = placement_started().model_dump(mode="json")
    document["payload"]["new_optional_field"] = "x"
    assert isinstance(read(record(document)), PlacementStarted)


def test_rejections_have_a_reason_and_no_body() -> None:
    valid = placement_started().model_dump(mode="json")
    cases = {
        "malformed": record(b"\xff not json"),
        "unknown_event_type": record({**valid, "event_type": "PlacementTeleported"}),
        "unsupported_schema_version": record({**valid, "schema_version": 2}),
        "producer-mismatch": record(valid, key="kf.PlacementStarted"),
    }
    for reason, message in cases.items():
        result = read(message)
        assert isinstance(result, Rejection), reason
        assert (result.reason, result.offset) == (reason, 42)
    mismatch = read(cases["producer-mismatch"])
    assert isinstance(mismatch, Rejection)
    assert mismatch.event_id == uuid.UUID(valid["event_id"])
    assert mismatch.producer == "servicef"


def test_invalid_values_are_not_copied_into_the_reason() -> None:
    document = placement_started().model_dump(mode="json")
    document["payload"]["gender"] = "Amina Hassan 19900101-2389"
    document["producer"] = "Amina Hassan"
    result = read(record(document, key="Amina Hassan.PlacementStarted"))
    assert isinstance(result, Rejection)
    assert result.reason == "invalid"
    assert "Amina" not in f"{result.detail} {result.routing_key} {result.producer}"
    assert "payload.gender" in result.detail


def test_identity_events_are_refused_without_keeping_anything() -> None:
    event = ParticipantIdentified(
        producer="servicef",
        placement_id=uuid.uuid4(),
        sequence=1,
        payload=ParticipantIdentifiedPayload(
            personnummer="19900101-2389", given_name="Amina", family_name="Hassan"
        ),
    )
    result = read(record(event.model_dump_json().encode()))
    assert isinstance(result, Rejection)
    assert result.reason == "identity_event"
    assert "Amina" not in result.detail
    assert "19900101" not in result.detail
