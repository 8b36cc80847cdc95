"""Reading one message of the city-wide stream: a typed event, or a rejection with its reason.

Nothing of a rejected message's body is kept, only its offset (the stream still holds it, so an
operator can read it there), the reason and metadata that passed a strict pattern. A message
that should never have been on the stream may carry anything, names included.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import pydantic

from contracts.events import (
    CITY_WIDE_EVENTS,
    IDENTITY_EVENTS,
    Envelope,
    parse_event,
    producer_mismatch,
)

RejectReason = Literal[
    "malformed",  # not a JSON object
    "unknown_event_type",
    "identity_event",  # identity data must never reach the city-wide stream
    "unsupported_schema_version",
    "invalid",  # fails the event's schema
    "producer-mismatch",  # producer is not the routing key's organisation code
    "foreign_placement",  # a placement event from another förvaltning than the placement's
    "unknown_level",  # a module or level the reference data does not have
]

# the schema version this service reads, by city-wide event type
_SCHEMA_VERSIONS: dict[str, object] = {
    event.type_name(): event.model_fields["schema_version"].default for event in CITY_WIDE_EVENTS
}
_IDENTITY = {event.type_name() for event in IDENTITY_EVENTS}
_SAFE_TYPE = re.compile(r"^[A-Za-z]{1,64}$")
_SAFE_CODE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_SAFE_ROUTING_KEY = re.compile(r"^[a-z][a-z0-9-]{1,30}\.[A-Za-z]{1,64}$")


@dataclass(frozen=True)
class StreamRecord:
    """One message as the stream delivered it."""

    offset: int
    routing_key: str
    body: bytes


@dataclass(frozen=True)
class Rejection:
    offset: int
    routing_key: str
    reason: RejectReason
    detail: str
    event_id: uuid.UUID | None = None
    event_type: str | None = None
    producer: str | None = None


def read(record: StreamRecord) -> Envelope | Rejection:
    document = _document(record)
    if isinstance(document, Rejection):
        return document
    event_type = document.get("event_type")
    if isinstance(event_type, str) and event_type in _IDENTITY:
        return _reject(record, document, "identity_event", "identity event; never stored")
    expected = _SCHEMA_VERSIONS.get(event_type) if isinstance(event_type, str) else None
    if expected is None:
        return _reject(record, document, "unknown_event_type", "no such city-wide event type")
    if document.get("schema_version", expected) != expected:
        return _reject(
            record,
            document,
            "unsupported_schema_version",
            f"schema_version {document.get('schema_version')!r}; this service reads {expected}",
        )
    try:
        event = parse_event(document)
    except pydantic.ValidationError as error:
        return _reject(record, document, "invalid", _describe(error))
    mismatch = producer_mismatch(event.producer, record.routing_key)
    if mismatch is not None:
        return _reject(record, document, "producer-mismatch", mismatch)
    return event


def _document(record: StreamRecord) -> dict[str, Any] | Rejection:
    try:
        document = json.loads(record.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return _reject(record, None, "malformed", f"not JSON: {type(error).__name__}")
    if not isinstance(document, dict):
        return _reject(record, None, "malformed", "not a JSON object")
    return document


def reject_event(
    record_offset: int, routing_key: str, event: Envelope, reason: RejectReason, detail: str
) -> Rejection:
    """A rejection of an event that parsed, but that the projection cannot use."""
    return Rejection(
        record_offset,
        _routing_key(routing_key),
        reason,
        detail,
        event.event_id,
        event.event_type,
        event.producer,
    )


def _describe(error: pydantic.ValidationError) -> str:
    """Where and what, never the offending value (it may be anything, a name included)."""
    problems = [
        f"{'.'.join(str(part) for part in e['loc']) or '(event)'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)
    ]
    return "; ".join(problems)[:1000]


def _reject(
    record: StreamRecord, document: dict[str, Any] | None, reason: RejectReason, detail: str
) -> Rejection:
    document = document or {}
    return Rejection(
        record.offset,
        _routing_key(record.routing_key),
        reason,
        detail,
        _uuid_or_none(document.get("event_id")),
        _safe(document.get("event_type"), _SAFE_TYPE),
        _safe(document.get("producer"), _SAFE_CODE),
    )


def _routing_key(key: str) -> str:
    return _safe(key, _SAFE_ROUTING_KEY) or "(not an <organisation>.<EventType> key)"


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _safe(value: object, pattern: re.Pattern[str]) -> str | None:
    return value if isinstance(value, str) and pattern.match(value) else None
