"""What a förvaltning system can ask for. These are also the HTTP request bodies, so field
rules (types, lengths, ranges) give the same 422 answers as the domain's own rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts.events import Workplace
from contracts.personnummer import InvalidPersonnummer, Personnummer

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


def _valid_personnummer(value: str) -> str:
    try:
        return Personnummer.parse(value).digits
    except InvalidPersonnummer as error:
        raise PydanticCustomError(f"personnummer.{error.rule}", f"personnummer: {error}") from None


PersonnummerText = Annotated[
    str,
    AfterValidator(_valid_personnummer),
    Field(
        description="Personnummer or samordningsnummer, twelve digits (YYYYMMDD-NNNN).",
        examples=["19900101-0017"],
    ),
]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParticipantIn(Command):
    personnummer: PersonnummerText
    given_name: Name = Field(examples=["Amina"])
    family_name: Name = Field(examples=["Hassan"])


class SupervisorIn(Command):
    name: Name = Field(examples=["Karin Nilsson"])
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] | None = Field(
        default=None, examples=["karin.nilsson@example.se"]
    )
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class ValueAddedIn(Command):
    beneficiary: Literal["workplace", "individual"]
    category: Code = Field(examples=["okad-service-till-invanare"])
    description: Text = ""


class RegisterPlacement(Command):
    participant: ParticipantIn
    workplace: Workplace
    supervisor: SupervisorIn
    placement_type: Code = Field(examples=["extratjanst"])
    role: Name = Field(examples=["Biblioteksassistent"])
    tasks: list[Name] = Field(default_factory=list, max_length=30)
    employment_rate: int = Field(ge=1, le=100, description="Percent of full time, 1–100.")
    start_date: date
    planned_end_date: date
    planned_value_added: list[ValueAddedIn] = Field(default_factory=list, max_length=20)
    overlap_intended: bool = Field(
        default=False,
        description="The participant is meant to have this placement beside another active "
        "one with this förvaltning; without it such a registration is a 409.",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> RegisterPlacement:
        if self.planned_end_date < self.start_date:
            raise PydanticCustomError("dates_in_order", "planned_end_date is before start_date")
        return self


class ChangePlannedEnd(Command):
    planned_end_date: date
    reason: Text = ""


class RecordValueAdded(Command):
    stage: Literal["planned", "realised"] = "realised"
    beneficiary: Literal["workplace", "individual"]
    category: Code
    description: Text = ""


class AssessModule(Command):
    module: Code = Field(examples=["sprak"])
    level: Code = Field(examples=["B1"])
    criteria_met: list[Code] = Field(default_factory=list, max_length=30)
    assessed_on: date
    assessor: Name = Field(
        description="The assessor's role, e.g. handledare (no names on the stream).",
        examples=["handledare"],
    )
    comment: Text = ""


class ModuleLevel(Command):
    module: Code = Field(examples=["sprak"])
    level: Code = Field(examples=["B1"])
    criteria_met: list[Code] = Field(default_factory=list, max_length=30)
    comment: Text = ""


class AssessModules(Command):
    """One assessment occasion: the supervisor goes through several modules at once."""

    assessed_on: date
    assessor: Name = Field(description="The assessor's role.", examples=["handledare"])
    modules: list[ModuleLevel] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _each_module_once(self) -> AssessModules:
        codes = [m.module for m in self.modules]
        if len(codes) != len(set(codes)):
            raise PydanticCustomError("unique_modules", "a module is assessed at most once a round")
        return self


class EndPlacement(Command):
    end_date: date
    outcome: Code = Field(description="Outcome code A–E from the reference data.", examples=["A"])


class FindParticipant(Command):
    """A person search: the personnummer travels in the body, never in a URL."""

    personnummer: PersonnummerText
