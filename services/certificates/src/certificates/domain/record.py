"""The competence record (individuellt kompetensunderlag) of one placement, folded from events.

:func:`build_record` is a pure function of the events it is given: the order they arrive in and
how often each one arrives do not matter (DESIGN.md section 4). It answers either
:class:`Ready` with the :class:`CompetenceRecord` a certificate is made from, or
:class:`Waiting` saying what is still missing. A certificate may be built only when

- a ``PlacementEnded`` is present,
- every ``sequence`` from 1 up to the highest one seen (at least the end's) is present exactly
  once (duplicates are recognised by ``event_id``), and
- the participant's identity (``ParticipantIdentified``) is present.

Two *different* events claiming the same sequence break the producer's guarantee; that raises
:class:`ConflictingEvents` rather than guessing which one is true.

Events numbered after the ``PlacementEnded`` (a correction after the end) are part of the
record, and a gap among them keeps the record waiting too: a certificate never leaves out an
event the service knows exists. If there is more than one ``PlacementEnded``, the latest by
sequence wins, like every other "latest" in the record.

The record holds the birth date, never the personnummer.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from contracts.events import (
    CERTIFICATE_EVENTS,
    Envelope,
    ModuleAssessed,
    ParticipantIdentified,
    PlacementEnded,
    PlacementStarted,
    PlacementUpdated,
    ValueAddedRecorded,
)
from contracts.personnummer import Personnummer
from contracts.reference import ReferenceData

__all__ = [
    "CompetenceRecord",
    "ConflictingEvents",
    "ModuleResult",
    "Ready",
    "RecordError",
    "RecordState",
    "ValueAddedItem",
    "Waiting",
    "build_record",
]


class RecordError(ValueError):
    """The events of a placement cannot form a record (a producer bug, not a delay)."""


class ConflictingEvents(RecordError):
    """Two different events claim the same sequence (or the same ``event_id``)."""


@dataclass(frozen=True, slots=True)
class ModuleResult:
    """What the assessments of one module add up to."""

    module: str
    """Module code from the reference data, e.g. ``sprak``."""
    first_level: str
    latest_level: str
    criteria_met: tuple[str, ...]
    """Criterion codes met at the latest assessment."""
    comment: str
    """The supervisor's comment at the latest assessment (may be empty)."""
    assessor_role: str
    assessments: int
    first_assessed_on: date
    latest_assessed_on: date
    progressed: bool
    """True when the latest level is higher on the module's scale than the first."""


@dataclass(frozen=True, slots=True)
class ValueAddedItem:
    """One realised mervärde, in the order it was recorded."""

    beneficiary: Literal["workplace", "individual"]
    category: str
    description: str


@dataclass(frozen=True, slots=True)
class CompetenceRecord:
    """Everything a certificate of one ended placement says, and no personnummer."""

    placement_id: uuid.UUID
    producer: str
    """Organisation code of the förvaltning the placement belongs to."""
    participant_ref: str
    """The city-wide pseudonym (HMAC of the personnummer), for the credential's identifier."""
    given_name: str
    family_name: str
    birth_date: date
    supervisor_name: str | None
    placement_type: str
    workplace_name: str
    workplace_unit: str | None
    role: str
    tasks: tuple[str, ...]
    employment_rate: int
    """Percent of full time."""
    start_date: date
    planned_end_date: date
    """The latest planned end (after any ``PlacementUpdated``)."""
    end_date: date
    outcome: str
    value_added: tuple[ValueAddedItem, ...]
    """Realised mervärde, in sequence order."""
    modules: tuple[ModuleResult, ...]
    """Assessed modules only, in catalogue order."""
    last_sequence: int
    """The highest sequence folded in; a later event means the record has changed."""

    @property
    def participant_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def hours_per_week(self) -> float:
        """The employment rate of a full-time week (40 hours): 75 % is 30 hours."""
        return self.employment_rate * FULL_TIME_HOURS_PER_WEEK / 100

    @property
    def days(self) -> int:
        """Calendar days from the start to the end, both included."""
        return (self.end_date - self.start_date).days + 1

    @property
    def workplace(self) -> str:
        """As the paper, the credential and the verification page print it: name, unit."""
        return self.workplace_name + (f", {self.workplace_unit}" if self.workplace_unit else "")

    def module(self, code: str) -> ModuleResult | None:
        """The result of module ``code``, or None when it was never assessed."""
        return next((m for m in self.modules if m.module == code), None)


@dataclass(frozen=True, slots=True)
class Waiting:
    """The record is incomplete; no certificate yet."""

    missing_sequences: tuple[int, ...]
    """Sequences below the highest one seen that have not arrived (the first 1000)."""
    reason: str
    """For operators, e.g. ``missing sequences 3, 4; no identity``."""
    ended: bool = False
    has_identity: bool = False


@dataclass(frozen=True, slots=True)
class Ready:
    """The record is complete; a certificate can be built from it."""

    record: CompetenceRecord


RecordState = Waiting | Ready

FULL_TIME_HOURS_PER_WEEK = 40
"""A full-time working week, the basis of "hours a week" on the paper."""

_E = TypeVar("_E", bound=Envelope)
_MAX_LISTED_MISSING = 1000

_PLACEMENT_EVENT_TYPES = (
    PlacementStarted,
    PlacementUpdated,
    ValueAddedRecorded,
    ModuleAssessed,
    PlacementEnded,
)


def build_record(
    events: Iterable[Envelope],
    reference: ReferenceData,
    identities: Iterable[ParticipantIdentified] = (),
) -> RecordState:
    """Fold the events of one placement into its competence record.

    ``events`` are the city-wide placement events in any order, duplicates allowed; they may
    also contain the ``ParticipantIdentified`` events, which can be given separately as
    ``identities`` instead. ``CertificateIssued``/``CertificateRevoked`` are numbered on their
    own and are ignored. Raises :class:`RecordError` for events that cannot belong together
    (other placements, conflicting sequences, unknown modules or levels).
    """
    collected = _Collected()
    for event in _chain(events, identities):
        collected.add(event)
    ended, identity = collected.ended(), collected.identity()
    if collected.missing() or ended is None or identity is None:
        return collected.waiting()
    return Ready(_fold(collected.by_sequence, ended, identity, collected.highest(), reference))


# --------------------------------------------------------------------------- internals


class _Collected:
    """The events of one placement so far: by sequence, deduplicated, and its identities."""

    def __init__(self) -> None:
        self.by_sequence: dict[int, Envelope] = {}
        self._seen: dict[uuid.UUID, Envelope] = {}
        self._identities: dict[uuid.UUID, ParticipantIdentified] = {}
        self._placement_id: uuid.UUID | None = None

    def add(self, event: Envelope) -> None:
        if isinstance(event, ParticipantIdentified):
            self._same_placement(event)
            _dedupe(self._identities, event)
            return
        if isinstance(event, CERTIFICATE_EVENTS):
            return
        if not isinstance(event, _PLACEMENT_EVENT_TYPES):
            raise RecordError(f"not a placement event: {event.event_type} {event.event_id}")
        self._same_placement(event)
        if not _dedupe(self._seen, event):
            return
        other = self.by_sequence.setdefault(event.sequence, event)
        if other is not event:
            raise ConflictingEvents(
                f"placement {event.placement_id}: sequence {event.sequence} is claimed by "
                f"{other.event_type} {other.event_id} and {event.event_type} {event.event_id}"
            )

    def _same_placement(self, event: Envelope) -> None:
        if self._placement_id is None:
            self._placement_id = event.placement_id
        elif event.placement_id != self._placement_id:
            raise RecordError(
                f"events of two placements given together: {self._placement_id} and "
                f"{event.placement_id} ({event.event_type} {event.event_id})"
            )

    def highest(self) -> int:
        return max(self.by_sequence, default=0)

    def ended(self) -> PlacementEnded | None:
        """The latest ``PlacementEnded`` by sequence, like every other "latest"."""
        ends = [e for e in self.by_sequence.values() if isinstance(e, PlacementEnded)]
        return max(ends, key=lambda e: e.sequence) if ends else None

    def identity(self) -> ParticipantIdentified | None:
        return max(
            self._identities.values(),
            key=lambda e: (e.sequence, e.occurred_at, str(e.event_id)),
            default=None,
        )

    def missing(self) -> tuple[int, ...]:
        """Sequences below the highest that have not arrived (the first 1000)."""
        gaps = (s for s in range(1, self.highest() + 1) if s not in self.by_sequence)
        return tuple(itertools.islice(gaps, _MAX_LISTED_MISSING))

    def waiting(self) -> Waiting:
        missing, ended, identity = self.missing(), self.ended(), self.identity()
        problems: list[str] = []
        if missing:
            label = "missing sequences" if len(missing) > 1 else "missing sequence"
            more = self.highest() - len(self.by_sequence) - len(missing)
            problems.append(f"{label} {_ranges(missing)}" + (f" and {more} more" if more else ""))
        if ended is None:
            problems.append("not ended")
        if identity is None:
            problems.append("no identity")
        return Waiting(
            missing_sequences=missing,
            reason="; ".join(problems),
            ended=ended is not None,
            has_identity=identity is not None,
        )


def _chain(
    events: Iterable[Envelope], identities: Iterable[ParticipantIdentified]
) -> Iterable[Envelope]:
    yield from events
    yield from identities


def _dedupe(seen: dict[uuid.UUID, _E], event: _E) -> bool:
    """Remember ``event``; False when the same event (same ``event_id``) was seen before."""
    known = seen.get(event.event_id)
    if known is None:
        seen[event.event_id] = event
        return True
    if known != event:
        raise ConflictingEvents(
            f"event_id {event.event_id} arrived twice with different content "
            f"({known.event_type} sequence {known.sequence}, "
            f"{event.event_type} sequence {event.sequence})"
        )
    return False


def _ranges(numbers: tuple[int, ...]) -> str:
    """``1, 3-5, 9`` for (1, 3, 4, 5, 9); ``numbers`` ascending."""
    parts: list[str] = []
    start = previous = numbers[0]
    for n in (*numbers[1:], None):
        if n is not None and n == previous + 1:
            previous = n
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if n is not None:
            start = previous = n
    return ", ".join(parts)


def _fold(
    by_sequence: Mapping[int, Envelope],
    ended: PlacementEnded,
    identity: ParticipantIdentified,
    highest: int,
    reference: ReferenceData,
) -> CompetenceRecord:
    ordered = [by_sequence[s] for s in range(1, highest + 1)]
    started = _single_start(ordered, ended.placement_id)
    planned_end, value_added, assessments = _progress(ordered, started)
    payload = started.payload
    person = identity.payload
    return CompetenceRecord(
        placement_id=started.placement_id,
        producer=started.producer,
        participant_ref=payload.participant_ref,
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=Personnummer.parse(person.personnummer, check_digit=False).birth_date,
        supervisor_name=person.supervisor_name,
        placement_type=payload.placement_type,
        workplace_name=payload.workplace.name,
        workplace_unit=payload.workplace.unit,
        role=payload.role,
        tasks=tuple(payload.tasks),
        employment_rate=payload.employment_rate,
        start_date=payload.start_date,
        planned_end_date=planned_end,
        end_date=ended.payload.end_date,
        outcome=ended.payload.outcome,
        value_added=tuple(value_added),
        modules=_modules(assessments, reference, ended.placement_id),
        last_sequence=highest,
    )


def _single_start(ordered: list[Envelope], placement_id: uuid.UUID) -> PlacementStarted:
    """The one ``PlacementStarted``, checking that one förvaltning produced every event."""
    starts = [e for e in ordered if isinstance(e, PlacementStarted)]
    if len(starts) != 1:
        raise RecordError(
            f"placement {placement_id} has {len(starts)} PlacementStarted events, "
            "expected exactly one"
        )
    producers = {e.producer for e in ordered}
    if len(producers) != 1:
        raise RecordError(
            f"placement {placement_id} has events from several producers: "
            + ", ".join(sorted(producers))
        )
    return starts[0]


def _progress(
    ordered: list[Envelope], started: PlacementStarted
) -> tuple[date, list[ValueAddedItem], dict[str, list[ModuleAssessed]]]:
    """The latest planned end, the realised mervärde and the assessments per module."""
    planned_end = started.payload.planned_end_date
    value_added: list[ValueAddedItem] = []
    assessments: dict[str, list[ModuleAssessed]] = {}
    for event in ordered:
        if isinstance(event, PlacementUpdated):
            planned_end = event.payload.planned_end_date
        elif isinstance(event, ValueAddedRecorded) and event.payload.stage == "realised":
            item = event.payload.value_added
            value_added.append(ValueAddedItem(item.beneficiary, item.category, item.description))
        elif isinstance(event, ModuleAssessed):
            assessments.setdefault(event.payload.module, []).append(event)
    return planned_end, value_added, assessments


def _modules(
    assessments: Mapping[str, list[ModuleAssessed]],
    reference: ReferenceData,
    placement_id: uuid.UUID,
) -> tuple[ModuleResult, ...]:
    """The assessed modules' results, in catalogue order."""
    unknown = sorted(set(assessments) - {m.code for m in reference.modules})
    if unknown:
        raise RecordError(
            f"placement {placement_id} assesses module(s) not in the catalogue: "
            + ", ".join(unknown)
        )
    return tuple(
        _module_result(module.code, assessments[module.code], reference)
        for module in reference.modules
        if module.code in assessments
    )


def _module_result(
    code: str, events: list[ModuleAssessed], reference: ReferenceData
) -> ModuleResult:
    events = sorted(events, key=lambda e: (e.payload.assessed_on, e.sequence))
    first, latest = events[0], events[-1]
    try:
        indices = [reference.level_index(code, e.payload.level) for e in (first, latest)]
        for event in events[1:-1]:
            reference.level_index(code, event.payload.level)
    except KeyError as exc:
        raise RecordError(f"placement {first.placement_id}: {exc.args[0]}") from None
    return ModuleResult(
        module=code,
        first_level=first.payload.level,
        latest_level=latest.payload.level,
        criteria_met=tuple(latest.payload.criteria_met),
        comment=latest.payload.comment,
        assessor_role=latest.payload.assessor_role,
        assessments=len(events),
        first_assessed_on=first.payload.assessed_on,
        latest_assessed_on=latest.payload.assessed_on,
        progressed=indices[1] > indices[0],
    )
