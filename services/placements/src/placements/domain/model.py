"""The placement aggregate: every change is checked against the rules and the city-wide
reference data, and yields the integration events that describe it.

Each event takes the next ``sequence`` of its placement, so consumers can tell when they have
seen all of it. ``ParticipantIdentified`` (name and personnummer, for the certificate) travels
on its own restricted route and reuses the sequence of the ``PlacementStarted`` it accompanies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from contracts.events import (
    AgeBand,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ParticipantIdentified,
    ParticipantIdentifiedPayload,
    PlacementEnded,
    PlacementEndedPayload,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementUpdatedPayload,
    ValueAdded,
    ValueAddedRecorded,
    ValueAddedRecordedPayload,
    Workplace,
)
from contracts.personnummer import Personnummer
from contracts.reference import ReferenceData
from placements.domain import plausibility
from placements.domain.errors import OverlappingPlacement, RuleViolation
from placements.domain.plausibility import Plausibility

YOUTH_AGE_LIMIT = 24  # the national statistics split participants at 24 / 25+

Status = Literal["active", "ended"]


@dataclass(frozen=True)
class Participant:
    personnummer: Personnummer
    given_name: str
    family_name: str


@dataclass(frozen=True)
class Supervisor:
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Assessment:
    module: str
    level: str
    criteria_met: tuple[str, ...]
    assessed_on: date
    assessor: str
    comment: str


@dataclass(frozen=True)
class ValueAddedEntry:
    stage: Literal["planned", "realised"]
    beneficiary: Literal["workplace", "individual"]
    category: str
    description: str


@dataclass(frozen=True)
class Terms:
    """What the förvaltning registers about the job itself."""

    placement_type: str
    workplace: Workplace
    role: str
    tasks: tuple[str, ...]
    employment_rate: int
    start_date: date
    planned_end_date: date


@dataclass
class Placement:
    id: uuid.UUID
    organisation: str
    participant: Participant
    participant_ref: str
    supervisor: Supervisor
    terms: Terms
    value_added: list[ValueAddedEntry] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    end_date: date | None = None
    outcome: str | None = None
    sequence: int = 0
    events: list[Envelope] = field(default_factory=list, compare=False, repr=False)

    # --- queries --------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        return "ended" if self.end_date is not None else "active"

    @property
    def last_day(self) -> date:
        """The actual end once there is one, the planned end until then."""
        return self.end_date or self.terms.planned_end_date

    def overlaps(self, terms: Terms) -> bool:
        """Active over some of the time of ``terms`` (a planned end not yet recorded counts)."""
        return (
            self.status == "active"
            and self.terms.start_date <= terms.planned_end_date
            and terms.start_date <= self.last_day
        )

    @property
    def age_band(self) -> AgeBand:
        age = self.participant.personnummer.age_on(self.terms.start_date)
        return "up_to_24" if age <= YOUTH_AGE_LIMIT else "25_plus"

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        organisation: str,
        participant: Participant,
        participant_ref: str,
        supervisor: Supervisor,
        terms: Terms,
        planned_value_added: list[ValueAddedEntry],
        reference: ReferenceData,
        rules: Plausibility,
        today: date,
        correlation_id: str,
        placement_id: uuid.UUID | None = None,
    ) -> Placement:
        _check_registration(reference, terms, planned_value_added)
        plausibility.check_start(rules, today, terms.start_date)
        plausibility.check_planned_end(
            reference.placement_type(terms.placement_type),
            terms.start_date,
            terms.planned_end_date,
            extended=False,
        )
        plausibility.check_age(rules, participant.personnummer, terms.start_date)
        placement = cls(
            id=placement_id or uuid.uuid4(),
            organisation=organisation,
            participant=participant,
            participant_ref=participant_ref,
            supervisor=supervisor,
            terms=terms,
            value_added=list(planned_value_added),
        )
        started = placement._emit(
            PlacementStarted,
            PlacementStartedPayload(
                participant_ref=participant_ref,
                gender=participant.personnummer.legal_gender,
                age_band=placement.age_band,
                placement_type=terms.placement_type,
                workplace=terms.workplace,
                role=terms.role,
                tasks=list(terms.tasks),
                employment_rate=terms.employment_rate,
                start_date=terms.start_date,
                planned_end_date=terms.planned_end_date,
                planned_value_added=[_as_contract(e) for e in planned_value_added],
            ),
            correlation_id,
        )
        placement.events.append(placement._identified(started))
        return placement

    def change_planned_end(
        self, planned_end_date: date, reason: str, reference: ReferenceData, correlation_id: str
    ) -> None:
        self._require_active("planned_end_date")
        plausibility.check_planned_end(
            reference.placement_type(self.terms.placement_type),
            self.terms.start_date,
            planned_end_date,
            extended=True,
        )
        self.terms = _replace_terms(self.terms, planned_end_date=planned_end_date)
        self._emit(
            PlacementUpdated,
            PlacementUpdatedPayload(planned_end_date=planned_end_date, reason=reason),
            correlation_id,
        )

    def record_value_added(
        self, entry: ValueAddedEntry, reference: ReferenceData, correlation_id: str
    ) -> None:
        self._require_active("category")
        _check_value_added(reference, entry, "")
        self.value_added.append(entry)
        self._emit(
            ValueAddedRecorded,
            ValueAddedRecordedPayload(stage=entry.stage, value_added=_as_contract(entry)),
            correlation_id,
        )

    def assess_module(
        self,
        assessment: Assessment,
        reference: ReferenceData,
        rules: Plausibility,
        today: date,
        correlation_id: str,
    ) -> None:
        self._require_active("module")
        _check_assessment(reference, assessment)
        plausibility.check_assessed_on(
            rules, today, self.terms.start_date, self.last_day, assessment.assessed_on
        )
        self.assessments.append(assessment)
        self._emit(
            ModuleAssessed,
            ModuleAssessedPayload(
                module=assessment.module,
                level=assessment.level,
                criteria_met=list(assessment.criteria_met),
                assessed_on=assessment.assessed_on,
                assessor_role=assessment.assessor,
                comment=assessment.comment,
            ),
            correlation_id,
        )

    def end(
        self,
        end_date: date,
        outcome: str,
        reference: ReferenceData,
        today: date,
        correlation_id: str,
    ) -> None:
        self._require_active("end_date")
        if outcome not in {o.code for o in reference.outcomes}:
            raise RuleViolation(
                "outcome", "reference_data", f"unknown outcome code {outcome!r}; use A–E"
            )
        plausibility.check_end(self.terms.start_date, end_date, today)
        self.end_date, self.outcome = end_date, outcome
        self._emit(
            PlacementEnded,
            PlacementEndedPayload(end_date=end_date, outcome=outcome),
            correlation_id,
        )

    # --- internals ------------------------------------------------------------------------

    def _identified(self, started: Envelope) -> ParticipantIdentified:
        """Who the participant is, for the certificate only: on its own restricted route,
        with the sequence of the ``PlacementStarted`` it accompanies."""
        return ParticipantIdentified(
            producer=self.organisation,
            placement_id=self.id,
            sequence=started.sequence,
            correlation_id=started.correlation_id,
            occurred_at=started.occurred_at,
            payload=ParticipantIdentifiedPayload(
                personnummer=self.participant.personnummer.digits,
                given_name=self.participant.given_name,
                family_name=self.participant.family_name,
                supervisor_name=self.supervisor.name,
            ),
        )

    def _require_active(self, field_name: str) -> None:
        if self.end_date is not None:
            raise RuleViolation(
                field_name, "placement_ended", f"the placement ended on {self.end_date.isoformat()}"
            )

    def _emit(self, event_type: type[Envelope], payload: object, correlation_id: str) -> Envelope:
        self.sequence += 1
        event = event_type.model_validate(
            {
                "producer": self.organisation,
                "placement_id": self.id,
                "sequence": self.sequence,
                "correlation_id": correlation_id,
                "occurred_at": datetime.now(UTC),
                "payload": payload,
            }
        )
        self.events.append(event)
        return event


def _replace_terms(terms: Terms, *, planned_end_date: date) -> Terms:
    return Terms(
        placement_type=terms.placement_type,
        workplace=terms.workplace,
        role=terms.role,
        tasks=terms.tasks,
        employment_rate=terms.employment_rate,
        start_date=terms.start_date,
        planned_end_date=planned_end_date,
    )


def _as_contract(entry: ValueAddedEntry) -> ValueAdded:
    return ValueAdded(
        beneficiary=entry.beneficiary, category=entry.category, description=entry.description
    )


def _check_registration(
    reference: ReferenceData, terms: Terms, planned_value_added: list[ValueAddedEntry]
) -> None:
    _check_placement_type(reference, terms.placement_type)
    _check_employment_rate(terms.employment_rate)
    for index, entry in enumerate(planned_value_added):
        _check_value_added(reference, entry, f"planned_value_added.{index}")


def _check_placement_type(reference: ReferenceData, code: str) -> None:
    known = {t.code for t in reference.placement_types}
    if code not in known:
        raise RuleViolation(
            "placement_type",
            "reference_data",
            f"unknown placement type {code!r}; known: {', '.join(sorted(known))}",
        )


def _check_employment_rate(rate: int) -> None:
    if not 1 <= rate <= 100:
        raise RuleViolation("employment_rate", "range", "employment_rate must be within 1–100")


def _check_value_added(reference: ReferenceData, entry: ValueAddedEntry, prefix: str) -> None:
    where = f"{prefix}.category" if prefix else "category"
    try:
        category = reference.value_added_category(entry.category)
    except KeyError:
        known = ", ".join(c.code for c in reference.value_added_categories_for(entry.beneficiary))
        raise RuleViolation(
            where,
            "reference_data",
            f"unknown mervärde category {entry.category!r} for {entry.beneficiary}; known: {known}",
        ) from None
    if category.beneficiary != entry.beneficiary:
        raise RuleViolation(
            where,
            "reference_data",
            f"mervärde category {entry.category!r} is for the {category.beneficiary}, "
            f"not the {entry.beneficiary}",
        )


def _check_assessment(reference: ReferenceData, assessment: Assessment) -> None:
    try:
        module = reference.module(assessment.module)
    except KeyError:
        known = ", ".join(m.code for m in reference.modules)
        raise RuleViolation(
            "module", "reference_data", f"unknown module {assessment.module!r}; known: {known}"
        ) from None
    scale = reference.scale_for(module.code)
    if assessment.level not in scale.level_codes:
        raise RuleViolation(
            "level",
            "reference_data",
            f"level {assessment.level!r} is not on the {scale.code} scale of {module.code}; "
            f"use one of {', '.join(scale.level_codes)}",
        )
    unknown = [c for c in assessment.criteria_met if c not in module.criterion_codes]
    if unknown:
        raise RuleViolation(
            "criteria_met",
            "reference_data",
            f"criteria not in module {module.code}: {', '.join(unknown)}",
        )


def check_no_overlap(terms: Terms, others: list[Placement], *, intended: bool) -> None:
    """A second active placement over the same time for one participant in one förvaltning
    is most often the same placement registered twice; it takes the request's word that it
    is meant (``OverlappingPlacement`` names the first one found)."""
    if intended:
        return
    for other in others:
        if other.overlaps(terms):
            raise OverlappingPlacement(other.id)
