"""The HTTP API's own request and response models. The report's models are in
``reporting.schemas``: the dashboard and the exports render them too."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from contracts.events import OrgCode
from contracts.organisations import OrganisationRegister
from reporting.domain.reference import YearTargets
from reporting.schemas import Report
from runtime.text import NAME

__all__ = [
    "ConsumerOut",
    "OrganisationRegister",
    "RegisterIn",
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


# --- the register as an admin sends it: the contract's shape, with the text rules -----------

OrgName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NAME
]


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AdministrationIn(_In):
    code: OrgCode
    name: OrgName


class CommitteeIn(_In):
    code: OrgCode
    name: OrgName
    # Lists, not tuples: a tuple with a bad item also reports itself too short.
    administrations: list[AdministrationIn] = Field(min_length=1)


class RegisterIn(_In):
    """``OrganisationRegister`` as a request body: names must be visible text, and a code used
    twice is refused on ``committees`` (the 422 names the field)."""

    committees: list[CommitteeIn]

    @field_validator("committees")
    @classmethod
    def _unique_codes(cls, committees: list[CommitteeIn]) -> list[CommitteeIn]:
        codes = [c.code for c in committees] + [
            a.code for c in committees for a in c.administrations
        ]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise PydanticCustomError(
                "unique_codes",
                "organisation codes used twice: {codes}",
                {"codes": ", ".join(duplicates)},
            )
        return committees

    def register(self) -> OrganisationRegister:
        return OrganisationRegister.model_validate(self.model_dump())
