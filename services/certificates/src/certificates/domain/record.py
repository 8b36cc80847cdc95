"""The competence record (individuellt kompetensunderlag) of one placement, folded from events.

:func:`build_record` is a pure function of the events it is given: the order they arrive in and
how often each one arrives do not matter (DESIGN.md section 4). It answers either
:class:`Ready` with the :class:`CompetenceRecord` a certificate is made from,
:class:`Waiting` saying what is still missing, or :class:`Withdrawn`. A certificate may be
built only when

- an end (``PlacementEnded``, or its correction) is present,
- every ``sequence`` from 1 up to the highest one seen (at least the end's) is present exactly
  once (duplicates are recognised by ``event_id``), and
- the participant's identity (``ParticipantIdentified``) is present, and when a
  ``PlacementDetailsCorrected`` says the identity was corrected, an identity at least as recent
  as that correction: a certificate never prints the name a correction it knows of replaced.

A withdrawn placement (``PlacementWithdrawn``, whatever else arrived, gaps or not) answers
:class:`Withdrawn`: it never gets a certificate.

Two *different* events claiming the same sequence break the producer's guarantee; that raises
:class:`ConflictingEvents` rather than guessing which one is true.

Events numbered after the ``PlacementEnded`` (a correction after the end) are part of the
record, and a gap among them keeps the record waiting too: a certificate never leaves out an
event the service knows exists.

Corrections (``…Corrected``) carry the whole corrected fact, and for every fact the event with
the highest sequence wins (the rule every service folds by): the end (``PlacementEnded``,
``PlacementEndCorrected``); each assessment by its id (``ModuleAssessed``,
``AssessmentCorrected``, which may move it to another module); each mervärde entry by its id
(the planned entries of ``PlacementStarted``, ``ValueAddedRecorded``, ``ValueAddedCorrected``);
the terms (``PlacementStarted``, ``PlacementDetailsCorrected``; the planned end also by
``PlacementUpdated``); the identity (``ParticipantIdentified``).

The record holds the birth date, never the personnummer.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, TypeVar

from contracts.events import (
    CERTIFICATE_EVENTS,
    PLACEMENT_EVENTS,
    AssessmentCorrected,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ParticipantIdentified,
    PlacementDetailsCorrected,
    PlacementDetailsCorrectedPayload,
    PlacementEndCorrected,
    PlacementEnded,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementWithdrawn,
    ValueAdded,
    ValueAddedCorrected,
    ValueAddedRecorded,
    assessment_id,
    value_added_entries,
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
    "Withdrawn",
    "build_record",
    "printed",
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
    birth_date: date | None
    """None once the identity was erased (see :meth:`without_identity`)."""
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
    """The highest sequence folded in: bookkeeping, not printed (see :func:`printed`)."""
    identity_erased: bool = False

    def without_identity(self) -> CompetenceRecord:
        """The record after the retention period: no name, birth date or supervisor; the
        pseudonym and what the placement was stay, so the certificate still verifies."""
        return replace(
            self,
            given_name="",
            family_name="",
            birth_date=None,
            supervisor_name=None,
            identity_erased=True,
        )

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


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """The placement was withdrawn (makulering): it never gets a certificate."""

    reason: str
    sequence: int


RecordState = Waiting | Ready | Withdrawn


def printed(record: CompetenceRecord) -> CompetenceRecord:
    """What a certificate shows of the record (the paper, the credential, the verification
    page): the record without its bookkeeping (``last_sequence``) and without what no
    certificate prints (the outcome code, the planned end, mervärde, the dates of the
    assessments, which only order them). Two records equal under it make the same
    certificate, so a correction that changes nothing here re-issues nothing.
    ``tests/unit/certificates/test_paper.py`` checks that these are indeed not shown."""
    return replace(
        record,
        last_sequence=0,
        outcome="",
        planned_end_date=_NOT_SHOWN,
        value_added=(),
        modules=tuple(
            replace(m, first_assessed_on=_NOT_SHOWN, latest_assessed_on=_NOT_SHOWN)
            for m in record.modules
        ),
    )


_NOT_SHOWN = date.min


FULL_TIME_HOURS_PER_WEEK = 40
"""A full-time working week, the basis of "hours a week" on the paper."""

_E = TypeVar("_E", bound=Envelope)
_MAX_LISTED_MISSING = 1000

_ENDS = (PlacementEnded, PlacementEndCorrected)


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
    withdrawn = collected.withdrawn()
    if withdrawn is not None:
        return Withdrawn(withdrawn.payload.reason, withdrawn.sequence)
    ended, identity = collected.ended(), collected.identity()
    if collected.missing() or ended is None or identity is None or collected.awaited_identity():
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
        if not isinstance(event, PLACEMENT_EVENTS):
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

    def ended(self) -> PlacementEnded | PlacementEndCorrected | None:
        """The end as it stands: the latest end or end correction by sequence."""
        ends = [e for e in self.by_sequence.values() if isinstance(e, _ENDS)]
        return max(ends, key=lambda e: e.sequence) if ends else None

    def withdrawn(self) -> PlacementWithdrawn | None:
        """The (first) withdrawal: final, whatever else arrives."""
        found = [e for e in self.by_sequence.values() if isinstance(e, PlacementWithdrawn)]
        return min(found, key=lambda e: e.sequence) if found else None

    def awaited_identity(self) -> int | None:
        """The sequence of an identity correction whose ``ParticipantIdentified`` (same
        sequence, or a later identity) has not arrived; None when nothing is awaited."""
        corrected = [
            e.sequence
            for e in self.by_sequence.values()
            if isinstance(e, PlacementDetailsCorrected) and e.payload.identity_corrected
        ]
        identity = self.identity()
        if not corrected or identity is None or identity.sequence >= max(corrected):
            return None
        return max(corrected)

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
        awaited = self.awaited_identity()
        if awaited is not None:
            problems.append(f"no corrected identity for sequence {awaited}")
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
    ended: PlacementEnded | PlacementEndCorrected,
    identity: ParticipantIdentified,
    highest: int,
    reference: ReferenceData,
) -> CompetenceRecord:
    ordered = [by_sequence[s] for s in range(1, highest + 1)]
    started = _single_start(ordered, ended.placement_id)
    terms = _terms(ordered)
    person = identity.payload
    return CompetenceRecord(
        placement_id=started.placement_id,
        producer=started.producer,
        participant_ref=started.payload.participant_ref,
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=Personnummer.parse(person.personnummer, check_digit=False).birth_date,
        supervisor_name=person.supervisor_name,
        placement_type=terms.placement_type,
        workplace_name=terms.workplace.name,
        workplace_unit=terms.workplace.unit,
        role=terms.role,
        tasks=tuple(terms.tasks),
        employment_rate=terms.employment_rate,
        start_date=terms.start_date,
        planned_end_date=_planned_end(ordered),
        end_date=ended.payload.end_date,
        outcome=ended.payload.outcome,
        value_added=_value_added(ordered),
        modules=_modules(_assessments(ordered), reference, ended.placement_id),
        last_sequence=highest,
    )


def _terms(ordered: list[Envelope]) -> PlacementStartedPayload | PlacementDetailsCorrectedPayload:
    """The terms as the latest start or details correction says (``ordered`` is ascending)."""
    kinds = PlacementStarted | PlacementDetailsCorrected
    return [e for e in ordered if isinstance(e, kinds)][-1].payload


def _planned_end(ordered: list[Envelope]) -> date:
    """The planned end as the latest start, update or details correction says."""
    kinds = PlacementStarted | PlacementUpdated | PlacementDetailsCorrected
    return [e for e in ordered if isinstance(e, kinds)][-1].payload.planned_end_date


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


_Entry = tuple[uuid.UUID, Literal["planned", "realised"], ValueAdded]


def _entries(event: Envelope) -> list[_Entry]:
    """The mervärde entries an event records or corrects, each with its id."""
    if isinstance(event, PlacementStarted | ValueAddedRecorded):
        return value_added_entries(event)
    if isinstance(event, ValueAddedCorrected):
        return [(event.payload.entry_id, event.payload.stage, event.payload.value_added)]
    return []


def _value_added(ordered: list[Envelope]) -> tuple[ValueAddedItem, ...]:
    """Each entry as its latest event says, the realised ones in the order first recorded."""
    recorded: dict[uuid.UUID, tuple[int, int, str]] = {}
    latest: dict[uuid.UUID, tuple[str, ValueAdded]] = {}
    for event in ordered:  # ascending: a later sequence overwrites an earlier one
        for index, (entry_id, stage, item) in enumerate(_entries(event)):
            recorded.setdefault(entry_id, (event.sequence, index, str(entry_id)))
            latest[entry_id] = (stage, item)
    return tuple(
        ValueAddedItem(item.beneficiary, item.category, item.description)
        for entry_id in sorted(latest, key=recorded.__getitem__)
        for stage, item in [latest[entry_id]]
        if stage == "realised"
    )


@dataclass(frozen=True, slots=True)
class _Assessment:
    """One assessment as its latest event says."""

    recorded: int
    """The sequence it was first recorded at: orders assessments made on the same day."""
    fact: ModuleAssessedPayload


def _assessments(ordered: list[Envelope]) -> dict[str, list[_Assessment]]:
    """Each assessment by id, the highest sequence winning, grouped by (corrected) module."""
    recorded: dict[uuid.UUID, int] = {}
    latest: dict[uuid.UUID, ModuleAssessedPayload] = {}
    for event in ordered:  # ascending: a later sequence overwrites an earlier one
        if isinstance(event, ModuleAssessed):
            key = assessment_id(event)
        elif isinstance(event, AssessmentCorrected):
            key = event.payload.assessment_id
        else:
            continue
        recorded.setdefault(key, event.sequence)
        latest[key] = event.payload
    by_module: dict[str, list[_Assessment]] = {}
    for key, fact in latest.items():
        by_module.setdefault(fact.module, []).append(_Assessment(recorded[key], fact))
    return by_module


def _modules(
    assessments: Mapping[str, list[_Assessment]],
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
        _module_result(module.code, assessments[module.code], reference, placement_id)
        for module in reference.modules
        if module.code in assessments
    )


def _module_result(
    code: str, assessments: list[_Assessment], reference: ReferenceData, placement_id: uuid.UUID
) -> ModuleResult:
    ordered = sorted(assessments, key=lambda a: (a.fact.assessed_on, a.recorded))
    first, latest = ordered[0].fact, ordered[-1].fact
    try:
        indices = [reference.level_index(code, a.fact.level) for a in ordered]
    except KeyError as exc:
        raise RecordError(f"placement {placement_id}: {exc.args[0]}") from None
    return ModuleResult(
        module=code,
        first_level=first.level,
        latest_level=latest.level,
        criteria_met=tuple(latest.criteria_met),
        comment=latest.comment,
        assessor_role=latest.assessor_role,
        assessments=len(ordered),
        first_assessed_on=first.assessed_on,
        latest_assessed_on=latest.assessed_on,
        progressed=indices[-1] > indices[0],
    )
