"""HTTP response bodies. (The request bodies are the commands, in ``service/commands.py``.)"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from contracts.events import Workplace
from placements.domain.model import Placement
from placements.service.ports import HistoryEntry
from placements.service.queries import RegisterExtract
from runtime.http.access_log import DisclosureOut


class ParticipantOut(BaseModel):
    personnummer: str | None = Field(description="Null once erased after the retention period.")
    given_name: str | None
    family_name: str | None
    participant_ref: str = Field(description="The pseudonym used on the city-wide stream.")
    identity_erased_on: date | None = Field(
        default=None, description="When the identity data was erased (retention period)."
    )

    @classmethod
    def of(cls, p: Placement) -> ParticipantOut:
        person = p.participant
        return cls(
            personnummer=str(person.personnummer) if person else None,
            given_name=person.given_name if person else None,
            family_name=person.family_name if person else None,
            participant_ref=p.participant_ref,
            identity_erased_on=p.identity_erased_on,
        )


class SupervisorOut(BaseModel):
    name: str
    email: str | None
    phone: str | None


class ValueAddedOut(BaseModel):
    id: uuid.UUID = Field(description="Names the entry in a correction.")
    stage: str
    beneficiary: str
    category: str
    description: str


class AssessmentOut(BaseModel):
    id: uuid.UUID = Field(
        description="Names the assessment in a correction: the `event_id` of its `ModuleAssessed`."
    )
    module: str
    level: str
    criteria_met: list[str]
    assessed_on: date
    assessor: str
    comment: str


class WithdrawnOut(BaseModel):
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


class EventOut(BaseModel):
    sequence: int
    event_id: uuid.UUID
    event_type: str
    occurred_at: datetime
    correlation_id: str
    payload: dict[str, Any]


class PlacementOut(BaseModel):
    id: uuid.UUID
    organisation: str
    status: Literal["active", "ended", "withdrawn"]
    participant: ParticipantOut
    supervisor: SupervisorOut | None = Field(description="Null once erased with the identity.")
    placement_type: str
    workplace: Workplace
    role: str
    tasks: list[str]
    employment_rate: int
    start_date: date
    planned_end_date: date
    end_date: date | None
    outcome: str | None
    value_added: list[ValueAddedOut]
    assessments: list[AssessmentOut]
    withdrawn: WithdrawnOut | None = Field(
        description="Set once the placement was withdrawn (makulerad): it counts nowhere."
    )
    sequence: int = Field(description="The sequence of the placement's latest event.")
    events: list[EventOut] | None = Field(
        default=None,
        description="The event history (on the single-placement read only): originals and "
        "their corrections, each correction with its `reason` and `corrected_by`.",
    )

    @classmethod
    def of(cls, p: Placement, history: list[HistoryEntry] | None = None) -> PlacementOut:
        t = p.terms
        return cls(
            id=p.id,
            organisation=p.organisation,
            status=p.status,
            participant=ParticipantOut.of(p),
            supervisor=SupervisorOut(**vars(p.supervisor)) if p.supervisor else None,
            placement_type=t.placement_type,
            workplace=t.workplace,
            role=t.role,
            tasks=list(t.tasks),
            employment_rate=t.employment_rate,
            start_date=t.start_date,
            planned_end_date=t.planned_end_date,
            end_date=p.end_date,
            outcome=p.outcome,
            value_added=[ValueAddedOut(**vars(v)) for v in p.value_added],
            assessments=[
                AssessmentOut(**{**vars(a), "criteria_met": list(a.criteria_met)})
                for a in p.assessments
            ],
            withdrawn=WithdrawnOut(**vars(p.withdrawal)) if p.withdrawal else None,
            sequence=p.sequence,
            events=[EventOut(**vars(h)) for h in history] if history is not None else None,
        )


class PlacementPage(BaseModel):
    items: list[PlacementOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


class RegisterExtractOut(BaseModel):
    """A registerutdrag (GDPR art. 15): everything held about the person."""

    personnummer: str
    produced_at: datetime
    placements: list[PlacementOut] = Field(
        description="The person's placements (with their event history) in this service: the "
        "caller's own for a förvaltning, every förvaltning's for an admin."
    )
    certificates: dict[str, Any] = Field(
        description="What the certificates service holds: per placement, the identities it "
        "received and its certificates (what each says, and the signed credential); and who "
        "read the name there (`reads`)."
    )
    reads: list[DisclosureOut] = Field(
        description="Who read the person's placements here before: when, which role of which "
        "förvaltning, through which route (from the access log)."
    )

    @classmethod
    def of(cls, extract: RegisterExtract, produced_at: datetime) -> RegisterExtractOut:
        return cls(
            personnummer=str(extract.personnummer),
            produced_at=produced_at,
            placements=[PlacementOut.of(p, history) for p, history in extract.placements],
            certificates=extract.certificates,
            reads=[DisclosureOut.of(r) for r in extract.reads],
        )
