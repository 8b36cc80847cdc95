"""The projection: what the follow-up keeps per placement, and how each event changes it.

The state is a function of the *set* of events applied, not of their order: every field that
more than one event can set keeps the value of the highest ``sequence`` (the planned end, the
end), the first and last module assessment are chosen by (assessed on, sequence), and the rest
are sets. So events that arrive out of order across or within placements give the same state,
and a replay of the stream gives exactly the same figures. (One thing follows stream order: a
placement belongs to the förvaltning of its first placement event; a later event from another
is refused, the same way on every replay.) Duplicates are filtered by ``event_id`` before they
reach this module.

Only what statistics need is kept: no participant reference, no free text (role, tasks,
workplace names, comments and descriptions may name people).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from contracts.calendar import CITY_TIME  # a certificate's issue day is the city's day
from contracts.events import (
    CertificateIssued,
    CertificateRevoked,
    Envelope,
    ModuleAssessed,
    PlacementEnded,
    PlacementStarted,
    PlacementUpdated,
    ValueAdded,
    ValueAddedRecorded,
)
from contracts.reference import ReferenceData
from reporting.domain import definitions
from reporting.domain.intake import RejectReason


@dataclass
class PlacementRow:
    placement_id: uuid.UUID
    organisation: str | None = None  # the förvaltning whose placement events these are
    placement_type: str | None = None
    gender: str | None = None
    age_band: str | None = None
    employment_rate: int | None = None
    start_date: date | None = None  # None until PlacementStarted is applied
    planned_end_date: date | None = None
    planned_end_seq: int = 0
    end_date: date | None = None
    outcome: str | None = None
    ended_seq: int = 0
    # derived by ``refresh``: stored so that queries are plain filters and counts
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
class ModuleRow:
    """First and last assessment of one module of one placement."""

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
    placement_id: uuid.UUID
    stage: str
    beneficiary: str
    category: str


class ProjectionRows(NamedTuple):
    """The stored rows of some placements, as a batch loads them."""

    placements: list[PlacementRow]
    certificates: list[CertificateRow]
    modules: list[ModuleRow]


class Refusal(NamedTuple):
    reason: RejectReason
    detail: str


class Projection:
    """The rows one batch of events touches, loaded by the caller, changed here in memory."""

    def __init__(
        self,
        reference: ReferenceData,
        placements: Iterable[PlacementRow] = (),
        certificates: Iterable[CertificateRow] = (),
        modules: Iterable[ModuleRow] = (),
    ) -> None:
        self._reference = reference
        self.placements = {p.placement_id: p for p in placements}
        self.certificates = {c.certificate_id: c for c in certificates}
        self.modules = {(m.placement_id, m.module): m for m in modules}
        self.value_added: set[ValueAddedRow] = set()
        self.changed_placements: set[uuid.UUID] = set()
        self.changed_certificates: set[uuid.UUID] = set()
        self.changed_modules: set[tuple[uuid.UUID, str]] = set()

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
        if isinstance(event, ModuleAssessed):
            refusal = self._assessment(event)
            if refusal is not None:
                return refusal
        elif isinstance(event, PlacementStarted):
            self._started(row, event)
        elif isinstance(event, PlacementUpdated):
            self._planned_end(row, event.sequence, event.payload.planned_end_date)
        elif isinstance(event, ValueAddedRecorded):
            self._value_added(event.placement_id, event.payload.stage, event.payload.value_added)
        elif isinstance(event, PlacementEnded) and event.sequence > row.ended_seq:
            row.end_date, row.outcome = event.payload.end_date, event.payload.outcome
            row.ended_seq = event.sequence
        row.organisation = event.producer
        self.changed_placements.add(row.placement_id)
        return None

    def refresh(self) -> None:
        """Recompute the derived columns of every changed placement."""
        by_placement: dict[uuid.UUID, list[CertificateRow]] = {}
        for certificate in self.certificates.values():
            by_placement.setdefault(certificate.placement_id, []).append(certificate)
        for placement_id in self.changed_placements:
            row = self.placements[placement_id]
            row.effective_end = definitions.effective_end(row.planned_end_date, row.end_date)
            row.duration_bucket = (
                definitions.duration_bucket(row.start_date, row.end_date)
                if row.start_date is not None and row.end_date is not None
                else None
            )
            row.certified, row.first_certificate_on = definitions.certificate_status(
                (c.issued_on, c.revoked, c.superseded_by is not None)
                for c in by_placement.get(placement_id, ())
            )
            row.days_to_certificate = (
                (row.first_certificate_on - row.end_date).days
                if row.first_certificate_on is not None and row.end_date is not None
                else None
            )

    # --- per event ------------------------------------------------------------------------

    def _placement(self, placement_id: uuid.UUID) -> PlacementRow:
        row = self.placements.get(placement_id)
        if row is None:
            row = self.placements[placement_id] = PlacementRow(placement_id)
        return row

    def _started(self, row: PlacementRow, event: PlacementStarted) -> None:
        if row.start_date is not None:
            return  # a placement starts once; a second PlacementStarted changes nothing
        p = event.payload
        row.placement_type, row.gender, row.age_band = p.placement_type, p.gender, p.age_band
        row.employment_rate, row.start_date = p.employment_rate, p.start_date
        self._planned_end(row, event.sequence, p.planned_end_date)
        for value_added in p.planned_value_added:
            self._value_added(row.placement_id, "planned", value_added)

    @staticmethod
    def _planned_end(row: PlacementRow, sequence: int, planned_end_date: date) -> None:
        if sequence > row.planned_end_seq:
            row.planned_end_date, row.planned_end_seq = planned_end_date, sequence

    def _value_added(self, placement_id: uuid.UUID, stage: str, value: ValueAdded) -> None:
        self.value_added.add(ValueAddedRow(placement_id, stage, value.beneficiary, value.category))

    def _assessment(self, event: ModuleAssessed) -> Refusal | None:
        p = event.payload
        try:
            index = self._reference.level_index(p.module, p.level)
        except KeyError:
            return Refusal("unknown_level", f"module {p.module!r} has no level {p.level!r}")
        key = (event.placement_id, p.module)
        row = self.modules.get(key) or ModuleRow(event.placement_id, p.module)
        self.modules[key] = row
        at = (p.assessed_on, event.sequence)
        if row.assessments == 0 or at < (row.first_on or date.max, row.first_seq):
            row.first_on, row.first_seq, row.first_level, row.first_index = (*at, p.level, index)
        if row.assessments == 0 or at > (row.last_on or date.min, row.last_seq):
            row.last_on, row.last_seq, row.last_level, row.last_index = (*at, p.level, index)
        row.assessments += 1
        row.progression = definitions.progression(row.first_index, row.last_index, row.assessments)
        self.changed_modules.add(key)
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
