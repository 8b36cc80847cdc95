"""The HTTP API's own request and response models. The report's models are in
``reporting.schemas``: the dashboard and the exports render them too."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contracts.organisations import OrganisationRegister
from reporting.domain.reference import YearTargets
from reporting.schemas import Report

__all__ = [
    "ConsumerOut",
    "OrganisationRegister",
    "Report",
    "StatusOut",
    "UnusableEventOut",
    "YearTargets",
]


class UnusableEventOut(BaseModel):
    stream_offset: int = Field(description="Where the message is in the stream.")
    routing_key: str
    reason: str
    detail: str
    event_id: str | None
    event_type: str | None
    producer: str | None
    recorded_at: datetime


class ConsumerOut(BaseModel):
    role: str = Field(description="active (this replica consumes), standby or starting")
    attached: bool
    position: int | None
    last_error: str | None


class StatusOut(BaseModel):
    stream: str
    last_offset: int | None = Field(description="The last stream offset applied.")
    updated_at: datetime | None
    applied_events: int
    placements: int
    unusable_events: int
    unusable_by_reason: dict[str, int]
    consumer: ConsumerOut
