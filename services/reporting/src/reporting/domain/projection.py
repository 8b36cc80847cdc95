"""The projection: what the follow-up keeps per placement, and how each event changes it.

The state is a function of the *set* of events applied, not of their order. Every fact that
more than one event can set keeps the version of the highest ``sequence`` (the shared fold
rule for corrections): the terms (``PlacementStarted`` / ``PlacementDetailsCorrected``), the
planned end (those and ``PlacementUpdated``), the end (``PlacementEnded`` /
``PlacementEndCorrected``), each assessment by its id (``ModuleAssessed`` /
``AssessmentCorrected``, which may move it to another module) and each mervärde entry by its id
(``PlacementStarted``'s planned entries / ``ValueAddedRecorded`` / ``ValueAddedCorrected``).
``PlacementWithdrawn`` is final: a withdrawn placement counts nowhere, whatever else arrives.
A module's first and last assessment are derived from the placement's current assessments,
chosen by (assessed on, the sequence that recorded it). So events that arrive out of order
across or within placements give the same state, and a replay of the stream gives exactly the
same figures. (One thing follows stream order: a placement belongs to the förvaltning of its
first placement event; a later event from another is refused, the same way on every replay.)
Duplicates are filtered by ``event_id`` before they reach this module.

Only what statistics need is kept: no participant reference, no free text (role, tasks,
comments, descriptions, reasons and who corrected may name people). The workplace's name (and
unit) is kept: it is an organisation's name, and the finest level a report drills down to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from contracts.calendar import CITY_TIME  # a certificate's issue day is the city's day
from contracts.events import (
    AssessmentCorrected,
    CertificateIssued,
    CertificateRevoked,
    Envelope,
    ModuleAssessed,
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
    value_added_entries,
)
from contracts.reference import ReferenceData
from reporting.domain import definitions
from reporting.domain.intake import RejectReason

# The shape and meaning of the stored projection. Raise it whenever the fold or its tables
# change: a service that starts on a projection of another version empties it, and the
# consumer replays the stream from the first offset, so old rows never mix with new rules.
PROJECTION_VERSION = 4  # 3: aggregates at the figures' grain, and the workplace; 4: always moved


@dataclass
class PlacementRow:
    placement_id: uuid.UUID
    organisation: str | None = None  # the förvaltning whose placement events these are
    started: bool = False  # its PlacementStarted has been applied
    withdrawn: bool = False  # PlacementWithdrawn: final
    placement_type: str | None = None
    workplace: str | None = None  # the workplace's name (and unit): drill-down's finest level
    gender: str | None = None
    age_band: str | None = None
    employment_rate: int | None = None
    start_date: date | None = None
    planned_end_date: date | None = None
    terms_seq: int = 0  # the sequence of the terms kept (start or details correction)
    planned_end_seq: int = 0
    end_date: date | None = None
    outcome: str | None = None
    ended_seq: int = 0
    # derived by ``refresh``: stored so that queries are plain filters and counts
    counted: bool = False  # started and not withdrawn: the rows every figure counts
    effective_end: date | None = None
    duration_bucket: definitions.DurationBucket | None = None
    certified: bool = False
    first_certificate_on: date | None = None
    days_to_certificate: int | None = None


@dataclass
class CertificateRow:
    certificate_id: uuid.UUID
    placement_id: uuid.UUID
    issued_on: date | None = None
    revoked: bool = False
    superseded_by: uuid.UUID | None = None


@dataclass
class AssessmentRow:
    """One assessment as its latest version (original or correction) says."""

    placement_id: uuid.UUID
    assessment_id: uuid.UUID  # the event_id of its ModuleAssessed
    module: str = ""
    level: str = ""
    level_index: int = 0
    assessed_on: date = date.min
    recorded_seq: int = 0  # its ModuleAssessed's sequence (0 until that arrives)
    version_seq: int = 0  # the sequence of the version kept

    def order(self) -> tuple[date, int, int]:
        """First and last by date, then by when it was recorded (not corrected: a correction
        that keeps the date must not make an assessment the last), then by id, so that the
        choice never depends on arrival order."""
        return (self.assessed_on, self.recorded_seq, self.assessment_id.int)


@dataclass
class ModuleRow:
    """First and last assessment of one module of one placement (derived from its
    assessments)."""

    placement_id: uuid.UUID
    module: str
    assessments: int = 0
    first_on: date | None = None
    first_seq: int = 0
    first_level: str = ""
    first_index: int = 0
    last_on: date | None = None
    last_seq: int = 0
    last_level: str = ""
    last_index: int = 0
    progression: definitions.Progression = "single"


class ValueAddedRow(NamedTuple):
    """One mervärde entry as its latest version says."""

    placement_id: uuid.UUID
    entry_id: uuid.UUID
    stage: str
    beneficiary: str
    category: str
    version_seq: int


class ProjectionRows(NamedTuple):
    """The stored rows of some placements, as a batch loads them."""

    placements: list[PlacementRow]
    certificates: list[CertificateRow]
    assessments: list[AssessmentRow]
    value_added: list[ValueAddedRow]


class Refusal(NamedTuple):
    reason: RejectReason
    detail: str


Key = tuple[uuid.UUID, uuid.UUID]  # (placement, assessment or mervärde entry)


class Projection:
    """The rows one batch of events touches, loaded by the caller, changed here in memory."""

    def __init__(
        self,
        reference: ReferenceData,
        placements: Iterable[PlacementRow] = (),
        certificates: Iterable[CertificateRow] = (),
        assessments: Iterable[AssessmentRow] = (),
        value_added: Iterable[ValueAddedRow] = (),
    ) -> None:
        self._reference = reference
        self.placements = {p.placement_id: p for p in placements}
        self.certificates = {c.certificate_id: c for c in certificates}
        self.assessments = {(a.placement_id, a.assessment_id): a for a in assessments}
        self.value_added = {(v.placement_id, v.entry_id): v for v in value_added}
        # derived by ``refresh``: the module rows of each placement whose assessments changed
        # (all of them, replacing what is stored: a module may have lost its last assessment)
        self.modules: dict[uuid.UUID, list[ModuleRow]] = {}
        self.changed_placements: set[uuid.UUID] = set()
        self.changed_certificates: set[uuid.UUID] = set()
        self.changed_assessments: set[Key] = set()
        self.changed_value_added: set[Key] = set()

    def apply(self, event: Envelope) -> Refusal | None:
        """Apply one event; a refusal says why it cannot be used (nothing changed then)."""
        if isinstance(event, CertificateIssued | CertificateRevoked):
            self._certificate(event)
            return None
        row = self._placement(event.placement_id)
        if row.organisation is not None and row.organisation != event.producer:
            return Refusal(
                "foreign_placement",
                f"placement registered by {row.organisation!r}, event from {event.producer!r}",
            )
        refusal = self._fold(row, event)
        if refusal is not None:
            return refusal
        row.organisation = event.producer
        self.changed_placements.add(row.placement_id)
        return None

    def refresh(self) -> None:
        """Recompute the derived columns of every changed placement, and the module rows of
        every placement whose assessments changed."""
        by_placement: dict[uuid.UUID, list[CertificateRow]] = {}
        for certificate in self.certificates.values():
            by_placement.setdefault(certificate.placement_id, []).append(certificate)
        for placement_id in self.changed_placements:
            _derive(self.placements[placement_id], by_placement.get(placement_id, ()))
        assessed = {placement_id for placement_id, _ in self.changed_assessments}
        current: dict[uuid.UUID, list[AssessmentRow]] = {p: [] for p in assessed}
        for (placement_id, _), assessment in self.assessments.items():
            if placement_id in assessed:
                current[placement_id].append(assessment)
        self.modules = {p: module_rows(p, rows) for p, rows in current.items()}

    # --- per event ------------------------------------------------------------------------

    def _fold(self, row: PlacementRow, event: Envelope) -> Refusal | None:
        if isinstance(event, ModuleAssessed | AssessmentCorrected):
            return self._assessment(event)
        if isinstance(event, PlacementStarted):
            self._started(row, event)
        elif isinstance(event, PlacementDetailsCorrected):
            self._terms(row, event.sequence, event.payload)
        elif isinstance(event, PlacementUpdated):
            self._planned_end(row, event.sequence, event.payload.planned_end_date)
        elif isinstance(event, ValueAddedRecorded):
            self._value_added(row.placement_id, event.sequence, value_added_entries(event))
        elif isinstance(event, ValueAddedCorrected):
            p = event.payload
            entry = (p.entry_id, p.stage, p.value_added)
            self._value_added(row.placement_id, event.sequence, [entry])
        elif isinstance(event, PlacementEnded | PlacementEndCorrected):
            self._end(row, event)
        elif isinstance(event, PlacementWithdrawn):
            row.withdrawn = True
        return None

    def _placement(self, placement_id: uuid.UUID) -> PlacementRow:
        row = self.placements.get(placement_id)
        if row is None:
            row = self.placements[placement_id] = PlacementRow(placement_id)
        return row

    def _started(self, row: PlacementRow, event: PlacementStarted) -> None:
        if row.started:
            return  # a placement starts once; a second PlacementStarted changes nothing
        row.started, row.gender = True, event.payload.gender  # gender is never corrected
        self._terms(row, event.sequence, event.payload)
        self._value_added(row.placement_id, event.sequence, value_added_entries(event))

    def _terms(
        self,
        row: PlacementRow,
        sequence: int,
        terms: PlacementStartedPayload | PlacementDetailsCorrectedPayload,
    ) -> None:
        """The start's terms, or a correction of them: the highest sequence wins, so a
        correction that arrives before its PlacementStarted still wins."""
        if sequence > row.terms_seq:
            row.placement_type, row.age_band = terms.placement_type, terms.age_band
            row.workplace = workplace_key(terms.workplace.name, terms.workplace.unit)
            row.employment_rate, row.start_date = terms.employment_rate, terms.start_date
            row.terms_seq = sequence
        self._planned_end(row, sequence, terms.planned_end_date)

    @staticmethod
    def _planned_end(row: PlacementRow, sequence: int, planned_end_date: date) -> None:
        if sequence > row.planned_end_seq:
            row.planned_end_date, row.planned_end_seq = planned_end_date, sequence

    @staticmethod
    def _end(row: PlacementRow, event: PlacementEnded | PlacementEndCorrected) -> None:
        if event.sequence > row.ended_seq:
            row.end_date, row.outcome = event.payload.end_date, event.payload.outcome
            row.ended_seq = event.sequence

    def _value_added(
        self,
        placement_id: uuid.UUID,
        sequence: int,
        entries: Iterable[tuple[uuid.UUID, str, ValueAdded]],
    ) -> None:
        for entry_id, stage, value in entries:
            key = (placement_id, entry_id)
            kept = self.value_added.get(key)
            if kept is None or sequence > kept.version_seq:
                self.value_added[key] = ValueAddedRow(
                    placement_id, entry_id, stage, value.beneficiary, value.category, sequence
                )
                self.changed_value_added.add(key)

    def _assessment(self, event: ModuleAssessed | AssessmentCorrected) -> Refusal | None:
        p = event.payload
        try:
            index = self._reference.level_index(p.module, p.level)
        except KeyError:
            return Refusal("unknown_level", f"module {p.module!r} has no level {p.level!r}")
        if isinstance(event, ModuleAssessed):
            key = (event.placement_id, event.event_id)  # contracts.events.assessment_id
        else:
            key = (event.placement_id, event.payload.assessment_id)
        row = self.assessments.get(key) or AssessmentRow(*key)
        self.assessments[key] = row
        if isinstance(event, ModuleAssessed):
            row.recorded_seq = event.sequence
        if event.sequence > row.version_seq:
            row.module, row.level, row.level_index = p.module, p.level, index
            row.assessed_on, row.version_seq = p.assessed_on, event.sequence
        self.changed_assessments.add(key)
        return None

    def _certificate(self, event: CertificateIssued | CertificateRevoked) -> None:
        row = self._certificate_row(event.payload.certificate_id, event.placement_id)
        if isinstance(event, CertificateIssued):
            issued = event.payload
            row.issued_on = issued.issued_at.astimezone(CITY_TIME).date()
            if issued.supersedes is not None:
                old = self._certificate_row(issued.supersedes, event.placement_id)
                old.superseded_by = old.superseded_by or issued.certificate_id
        else:
            row.revoked = True
            row.superseded_by = event.payload.superseded_by or row.superseded_by
        self._placement(event.placement_id)
        self.changed_placements.add(event.placement_id)

    def _certificate_row(
        self, certificate_id: uuid.UUID, placement_id: uuid.UUID
    ) -> CertificateRow:
        row = self.certificates.get(certificate_id)
        if row is None:
            row = self.certificates[certificate_id] = CertificateRow(certificate_id, placement_id)
        self.changed_certificates.add(certificate_id)
        return row


def workplace_key(name: str, unit: str | None) -> str:
    """How a workplace is named in the aggregates and in a drill-down link."""
    return f"{name} / {unit}" if unit else name


def _derive(row: PlacementRow, certificates: Iterable[CertificateRow]) -> None:
    """A placement's derived columns, from its facts and its certificates."""
    row.counted = row.started and not row.withdrawn and row.start_date is not None
    row.effective_end = definitions.effective_end(row.planned_end_date, row.end_date)
    row.duration_bucket = (
        definitions.duration_bucket(row.start_date, row.end_date)
        if row.start_date is not None and row.end_date is not None
        else None
    )
    row.certified, row.first_certificate_on = definitions.certificate_status(
        (c.issued_on, c.revoked, c.superseded_by is not None) for c in certificates
    )
    row.days_to_certificate = (
        (row.first_certificate_on - row.end_date).days
        if row.first_certificate_on is not None and row.end_date is not None
        else None
    )


def module_rows(placement_id: uuid.UUID, assessments: Iterable[AssessmentRow]) -> list[ModuleRow]:
    """Per module of one placement: its first and last assessment and the progression."""
    by_module: dict[str, list[AssessmentRow]] = {}
    for assessment in assessments:
        by_module.setdefault(assessment.module, []).append(assessment)
    rows = []
    for module, current in sorted(by_module.items()):
        first, last = min(current, key=AssessmentRow.order), max(current, key=AssessmentRow.order)
        rows.append(
            ModuleRow(
                placement_id,
                module,
                assessments=len(current),
                first_on=first.assessed_on,
                first_seq=first.recorded_seq,
                first_level=first.level,
                first_index=first.level_index,
                last_on=last.assessed_on,
                last_seq=last.recorded_seq,
                last_level=last.level,
                last_index=last.level_index,
                progression=definitions.progression(
                    first.level_index, last.level_index, len(current)
                ),
            )
        )
    return rows
