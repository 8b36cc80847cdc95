"""The placement aggregate: every change is checked against the rules and the city-wide
reference data, and yields the integration events that describe it.

Each event takes the next ``sequence`` of its placement, so consumers can tell when they have
seen all of it. ``ParticipantIdentified`` (name and personnummer, for the certificate) travels
on its own restricted route and reuses the sequence of the ``PlacementStarted`` it accompanies.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from contracts.events import (
    AgeBand,
    AssessmentCorrected,
    AssessmentCorrectedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ParticipantIdentified,
    ParticipantIdentifiedPayload,
    PlacementDetailsCorrected,
    PlacementDetailsCorrectedPayload,
    PlacementEndCorrected,
    PlacementEndCorrectedPayload,
    PlacementEnded,
    PlacementEndedPayload,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementUpdatedPayload,
    PlacementWithdrawn,
    PlacementWithdrawnPayload,
    ValueAdded,
    ValueAddedCorrected,
    ValueAddedCorrectedPayload,
    ValueAddedRecorded,
    ValueAddedRecordedPayload,
    Workplace,
    assessment_id,
    value_added_entries,
)
from contracts.personnummer import Personnummer
from contracts.reference import ReferenceData
from placements.domain import plausibility
from placements.domain.errors import (
    FactNotFound,
    IdentityErased,
    OverlappingPlacement,
    PlacementIsWithdrawn,
    RuleViolation,
)
from placements.domain.plausibility import Plausibility

YOUTH_AGE_LIMIT = 24  # the national statistics split participants at 24 / 25+

Status = Literal["active", "ended", "withdrawn"]


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
class RecordedAssessment(Assessment):
    """An assessment as the placement keeps it: known by the ``event_id`` of the
    ``ModuleAssessed`` that recorded it (``contracts.events.assessment_id``)."""

    id: uuid.UUID


@dataclass(frozen=True)
class ValueAddedEntry:
    stage: Literal["planned", "realised"]
    beneficiary: Literal["workplace", "individual"]
    category: str
    description: str


@dataclass(frozen=True)
class RecordedValueAdded(ValueAddedEntry):
    """A mervärde entry as the placement keeps it, with the id a correction names it by
    (``contracts.events.value_added_entries``)."""

    id: uuid.UUID


@dataclass(frozen=True)
class CorrectionNote:
    """Why a recorded fact is corrected (rättelse), and who corrected it."""

    reason: str
    corrected_by: str


@dataclass(frozen=True)
class Withdrawal:
    """The placement was registered by mistake (makulering)."""

    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


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


@dataclass(frozen=True)
class Details:
    """What a details correction may change: the terms, the supervisor and the
    participant's name (never the personnummer: that is another person)."""

    terms: Terms
    supervisor: Supervisor
    given_name: str
    family_name: str


@dataclass
class Placement:
    id: uuid.UUID
    organisation: str
    participant: Participant | None
    """None once the identity was erased after the retention period (see :meth:`erase_identity`)."""
    participant_ref: str
    supervisor: Supervisor | None
    terms: Terms
    value_added: list[RecordedValueAdded] = field(default_factory=list)
    assessments: list[RecordedAssessment] = field(default_factory=list)
    end_date: date | None = None
    outcome: str | None = None
    withdrawal: Withdrawal | None = None
    identity_erased_on: date | None = None
    sequence: int = 0
    events: list[Envelope] = field(default_factory=list, compare=False, repr=False)

    # --- queries --------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        if self.withdrawal is not None:
            return "withdrawn"
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
        age = self._person.personnummer.age_on(self.terms.start_date)
        return "up_to_24" if age <= YOUTH_AGE_LIMIT else "25_plus"

    def assessment(self, assessment_id: uuid.UUID) -> RecordedAssessment:
        return self.assessments[_index_of(self.assessments, assessment_id, "assessment_id")]

    def value_added_entry(self, entry_id: uuid.UUID) -> RecordedValueAdded:
        return self.value_added[_index_of(self.value_added, entry_id, "entry_id")]

    @property
    def details(self) -> Details:
        person = self._person
        return Details(self.terms, self._supervisor, person.given_name, person.family_name)

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
        assert isinstance(started, PlacementStarted)
        placement.value_added = [
            RecordedValueAdded(**vars(entry), id=entry_id)
            for entry, (entry_id, _, _) in zip(
                planned_value_added, value_added_entries(started), strict=True
            )
        ]
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
        event = self._emit(
            ValueAddedRecorded,
            ValueAddedRecordedPayload(stage=entry.stage, value_added=_as_contract(entry)),
            correlation_id,
        )
        self.value_added.append(RecordedValueAdded(**vars(entry), id=event.event_id))

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
        event = self._emit(ModuleAssessed, _assessed(assessment), correlation_id)
        assert isinstance(event, ModuleAssessed)
        self.assessments.append(RecordedAssessment(**vars(assessment), id=assessment_id(event)))

    def end(
        self,
        end_date: date,
        outcome: str,
        reference: ReferenceData,
        today: date,
        correlation_id: str,
    ) -> None:
        self._require_active("end_date")
        _check_outcome(reference, outcome)
        plausibility.check_end(self.terms.start_date, end_date, today)
        self.end_date, self.outcome = end_date, outcome
        self._emit(
            PlacementEnded,
            PlacementEndedPayload(end_date=end_date, outcome=outcome),
            correlation_id,
        )

    # --- corrections (rättelse) and withdrawal (makulering) -------------------------------
    # A correction is checked by the rules of the original, allowed before and after the end,
    # refused when it changes nothing, and emits the whole corrected fact with its reason.

    def correct_end(
        self,
        end_date: date | None,
        outcome: str | None,
        note: CorrectionNote,
        reference: ReferenceData,
        rules: Plausibility,
        today: date,
        correlation_id: str,
    ) -> None:
        """The end date, the outcome or both (None keeps what was recorded). An earlier end
        must still hold the assessments, with their grace period."""
        self._require_not_withdrawn()
        if self.end_date is None or self.outcome is None:
            raise RuleViolation(
                "end_date", "placement_not_ended", "the placement has not ended: end it instead"
            )
        end_date, outcome = end_date or self.end_date, outcome or self.outcome
        if (end_date, outcome) == (self.end_date, self.outcome):
            raise _unchanged("the end")
        _check_outcome(reference, outcome)
        plausibility.check_end(self.terms.start_date, end_date, today)
        latest = max((a.assessed_on for a in self.assessments), default=end_date)
        if latest > end_date + timedelta(days=rules.assessment_grace_days):
            raise RuleViolation(
                "end_date",
                "dates_in_order",
                f"an assessment on {latest.isoformat()} is more than "
                f"{rules.assessment_grace_days} days after end_date; correct that first",
            )
        self.end_date, self.outcome = end_date, outcome
        self._emit(
            PlacementEndCorrected,
            PlacementEndCorrectedPayload(end_date=end_date, outcome=outcome, **_note(note)),
            correlation_id,
        )

    def correct_assessment(
        self,
        corrected: RecordedAssessment,
        note: CorrectionNote,
        reference: ReferenceData,
        rules: Plausibility,
        today: date,
        correlation_id: str,
    ) -> None:
        """``corrected.id`` names the assessment; a correction may move it to another module."""
        self._require_not_withdrawn()
        index = _index_of(self.assessments, corrected.id, "assessment_id")
        if self.assessments[index] == corrected:
            raise _unchanged("the assessment")
        _check_assessment(reference, corrected)
        plausibility.check_assessed_on(
            rules, today, self.terms.start_date, self.last_day, corrected.assessed_on
        )
        self.assessments[index] = corrected
        payload = _assessed(corrected).model_dump()
        self._emit(
            AssessmentCorrected,
            AssessmentCorrectedPayload(assessment_id=corrected.id, **payload, **_note(note)),
            correlation_id,
        )

    def correct_value_added(
        self,
        corrected: RecordedValueAdded,
        note: CorrectionNote,
        reference: ReferenceData,
        correlation_id: str,
    ) -> None:
        """``corrected.id`` names the entry; its stage may change too."""
        self._require_not_withdrawn()
        index = _index_of(self.value_added, corrected.id, "entry_id")
        if self.value_added[index] == corrected:
            raise _unchanged("the mervärde entry")
        _check_value_added(reference, corrected, "")
        self.value_added[index] = corrected
        self._emit(
            ValueAddedCorrected,
            ValueAddedCorrectedPayload(
                entry_id=corrected.id,
                stage=corrected.stage,
                value_added=_as_contract(corrected),
                **_note(note),
            ),
            correlation_id,
        )

    def correct_details(
        self,
        corrected: Details,
        note: CorrectionNote,
        reference: ReferenceData,
        rules: Plausibility,
        today: date,
        correlation_id: str,
    ) -> None:
        """The terms, the supervisor or the name. A new name or supervisor goes to the
        certificate on the identity route, with the correction's sequence."""
        self._require_not_withdrawn()
        current = self.details
        if corrected == current:
            raise _unchanged("the details")
        _check_terms(reference, corrected.terms)
        if _period(corrected.terms) != _period(current.terms):
            self._check_period(corrected.terms, reference, rules, today)
        identity_corrected = _identity(corrected) != _identity(current)
        self.terms, self.supervisor = corrected.terms, corrected.supervisor
        self.participant = replace(
            self._person, given_name=corrected.given_name, family_name=corrected.family_name
        )
        event = self._emit(
            PlacementDetailsCorrected,
            self._details_payload(identity_corrected, note),
            correlation_id,
        )
        if identity_corrected:
            self.events.append(self._identified(event))

    def erase_identity(self, today: date) -> None:
        """Storage limitation: the name, personnummer and supervisor go; the pseudonym, the
        terms, the assessments and the event history (which never held identity) stay, so the
        statistics stay. Nothing changes the placement afterwards."""
        self.participant = None
        self.supervisor = None
        self.identity_erased_on = today

    def withdraw(self, reason: str, withdrawn_by: str, correlation_id: str) -> None:
        """Makulering: the events stay as the audit trail; nothing changes it afterwards."""
        self._require_not_withdrawn()
        event = self._emit(
            PlacementWithdrawn,
            PlacementWithdrawnPayload(reason=reason, withdrawn_by=withdrawn_by),
            correlation_id,
        )
        self.withdrawal = Withdrawal(reason, withdrawn_by, event.occurred_at)

    def _check_period(
        self, terms: Terms, reference: ReferenceData, rules: Plausibility, today: date
    ) -> None:
        """A corrected period is checked as a registration's, and must still hold what was
        recorded in it: the actual end and the assessments."""
        if terms.start_date != self.terms.start_date:
            plausibility.check_start(rules, today, terms.start_date)
            plausibility.check_age(rules, self._person.personnummer, terms.start_date)
        plausibility.check_planned_end(
            reference.placement_type(terms.placement_type),
            terms.start_date,
            terms.planned_end_date,
            extended=True,
        )
        if self.end_date is not None and self.end_date < terms.start_date:
            raise RuleViolation(
                "start_date",
                "dates_in_order",
                f"start_date is after the placement's end ({self.end_date.isoformat()})",
            )
        if any(a.assessed_on < terms.start_date for a in self.assessments):
            raise RuleViolation(
                "start_date",
                "dates_in_order",
                "start_date is after an assessment of the placement; correct that first",
            )

    def _details_payload(
        self, identity_corrected: bool, note: CorrectionNote
    ) -> PlacementDetailsCorrectedPayload:
        t = self.terms
        return PlacementDetailsCorrectedPayload(
            placement_type=t.placement_type,
            age_band=self.age_band,
            workplace=t.workplace,
            role=t.role,
            tasks=list(t.tasks),
            employment_rate=t.employment_rate,
            start_date=t.start_date,
            planned_end_date=t.planned_end_date,
            identity_corrected=identity_corrected,
            **_note(note),
        )

    # --- internals ------------------------------------------------------------------------

    def _identified(self, accompanied: Envelope) -> ParticipantIdentified:
        """Who the participant is, for the certificate only: on its own restricted route,
        with the sequence of the ``PlacementStarted`` (or the details correction) it
        accompanies."""
        return ParticipantIdentified(
            producer=self.organisation,
            placement_id=self.id,
            sequence=accompanied.sequence,
            correlation_id=accompanied.correlation_id,
            occurred_at=accompanied.occurred_at,
            payload=ParticipantIdentifiedPayload(
                personnummer=self._person.personnummer.digits,
                given_name=self._person.given_name,
                family_name=self._person.family_name,
                supervisor_name=self._supervisor.name,
            ),
        )

    def _require_not_withdrawn(self) -> None:
        if self.withdrawal is not None:
            raise PlacementIsWithdrawn(self.id)
        if self.identity_erased_on is not None:
            raise IdentityErased(self.id, self.identity_erased_on)

    @property
    def _person(self) -> Participant:
        if self.participant is None:
            raise IdentityErased(self.id, self.identity_erased_on)
        return self.participant

    @property
    def _supervisor(self) -> Supervisor:
        if self.supervisor is None:
            raise IdentityErased(self.id, self.identity_erased_on)
        return self.supervisor

    def _require_active(self, field_name: str) -> None:
        self._require_not_withdrawn()
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


def _assessed(assessment: Assessment) -> ModuleAssessedPayload:
    return ModuleAssessedPayload(
        module=assessment.module,
        level=assessment.level,
        criteria_met=list(assessment.criteria_met),
        assessed_on=assessment.assessed_on,
        assessor_role=assessment.assessor,
        comment=assessment.comment,
    )


def _note(note: CorrectionNote) -> dict[str, str]:
    return {"reason": note.reason, "corrected_by": note.corrected_by}


def _unchanged(what: str) -> RuleViolation:
    """Named by the whole body (an empty field): no one field of it is at fault."""
    return RuleViolation("", "unchanged", f"the correction changes nothing in {what}")


def _index_of(
    facts: Sequence[RecordedAssessment | RecordedValueAdded], fact_id: uuid.UUID, name: str
) -> int:
    """Where the fact ``fact_id`` is; ``name`` is the parameter that named it."""
    for index, fact in enumerate(facts):
        if fact.id == fact_id:
            return index
    raise FactNotFound(name, fact_id)


def _period(terms: Terms) -> tuple[str, date, date]:
    return terms.placement_type, terms.start_date, terms.planned_end_date


def _identity(details: Details) -> tuple[str, str, str]:
    """What the identity route carries besides the personnummer."""
    return details.given_name, details.family_name, details.supervisor.name


def _as_contract(entry: ValueAddedEntry) -> ValueAdded:
    return ValueAdded(
        beneficiary=entry.beneficiary, category=entry.category, description=entry.description
    )


def _check_registration(
    reference: ReferenceData, terms: Terms, planned_value_added: list[ValueAddedEntry]
) -> None:
    _check_terms(reference, terms)
    for index, entry in enumerate(planned_value_added):
        _check_value_added(reference, entry, f"planned_value_added.{index}")


def _check_terms(reference: ReferenceData, terms: Terms) -> None:
    _check_placement_type(reference, terms.placement_type)
    _check_employment_rate(terms.employment_rate)


def _check_outcome(reference: ReferenceData, outcome: str) -> None:
    if outcome not in {o.code for o in reference.outcomes}:
        raise RuleViolation(
            "outcome", "reference_data", f"unknown outcome code {outcome!r}; use A–E"
        )


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
