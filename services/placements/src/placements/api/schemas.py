"""HTTP response bodies. (The request bodies are the commands, in ``service/commands.py``.)"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from contracts.events import Workplace
from placements.domain.model import Placement
from placements.service.ports import HistoryEntry


class ParticipantOut(BaseModel):
    personnummer: str
    given_name: str
    family_name: str
    participant_ref: str = Field(description="The pseudonym used on the city-wide stream.")


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
    supervisor: SupervisorOut
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
            participant=ParticipantOut(
                personnummer=str(p.participant.personnummer),
                given_name=p.participant.given_name,
                family_name=p.participant.family_name,
                participant_ref=p.participant_ref,
            ),
            supervisor=SupervisorOut(
                name=p.supervisor.name, email=p.supervisor.email, phone=p.supervisor.phone
            ),
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
