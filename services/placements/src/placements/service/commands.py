"""What a förvaltning system can ask for. These are also the HTTP request bodies, so field
rules (types, lengths, ranges, the text rules of ``runtime.text``) give the same 422 answers
as the domain's own rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from runtime.text import (
    FREE_TEXT,
    IDENTIFIER,
    LINE,
    NAME,
    IsoDate,
    PersonnummerText,
    WholeNumber,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NAME]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), FREE_TEXT]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), IDENTIFIER
]
Day = IsoDate


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParticipantIn(Command):
    personnummer: PersonnummerText
    given_name: Name = Field(examples=["Amina"])
    family_name: Name = Field(examples=["Hassan"])


class WorkplaceIn(Command):
    name: Name = Field(examples=["Stadsbiblioteket"])
    unit: Name | None = Field(default=None, examples=["Barnavdelningen"])


class SupervisorIn(Command):
    name: Name = Field(examples=["Karin Nilsson"])
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"), NAME] | None
    ) = Field(default=None, examples=["karin.nilsson@example.se"])
    phone: Annotated[str, StringConstraints(max_length=40), LINE] | None = None


class ValueAddedIn(Command):
    beneficiary: Literal["workplace", "individual"]
    category: Code = Field(examples=["okad-service-till-invanare"])
    description: Text = ""


class RegisterPlacement(Command):
    participant: ParticipantIn
    workplace: WorkplaceIn
    supervisor: SupervisorIn
    placement_type: Code = Field(examples=["extratjanst"])
    role: Name = Field(examples=["Biblioteksassistent"])
    tasks: list[Name] = Field(default_factory=list, max_length=30)
    employment_rate: WholeNumber = Field(ge=1, le=100, description="Percent of full time, 1–100.")
    start_date: Day
    planned_end_date: Day
    planned_value_added: list[ValueAddedIn] = Field(default_factory=list, max_length=20)
    overlap_intended: StrictBool = Field(
        default=False,
        description="The participant is meant to have this placement beside another active "
        "one with this förvaltning; without it such a registration is a 409.",
    )

    @field_validator("planned_end_date")
    @classmethod
    def _dates_in_order(cls, planned_end_date: date, info: ValidationInfo) -> date:
        """On the field, so that the 422 names ``planned_end_date``, not the body."""
        start_date = info.data.get("start_date")
        if start_date is not None and planned_end_date < start_date:
            raise PydanticCustomError("dates_in_order", "planned_end_date is before start_date")
        return planned_end_date


class ChangePlannedEnd(Command):
    planned_end_date: Day
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
    assessed_on: Day
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

    assessed_on: Day
    assessor: Name = Field(description="The assessor's role.", examples=["handledare"])
    modules: list[ModuleLevel] = Field(min_length=1, max_length=10)

    @field_validator("modules")
    @classmethod
    def _each_module_once(cls, modules: list[ModuleLevel]) -> list[ModuleLevel]:
        codes = [m.module for m in modules]
        if len(codes) != len(set(codes)):
            raise PydanticCustomError("unique_modules", "a module is assessed at most once a round")
        return modules


class EndPlacement(Command):
    end_date: Day
    outcome: Code = Field(description="Outcome code A–E from the reference data.", examples=["A"])


class FindParticipant(Command):
    """A person search: the personnummer travels in the body, never in a URL."""

    personnummer: PersonnummerText


class RequestRegisterExtract(Command):
    """A registerutdrag (GDPR art. 15): the personnummer in the body, never in a URL."""

    personnummer: PersonnummerText


# --- corrections (rättelse) and withdrawal (makulering) -------------------------------------

Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
    FREE_TEXT,
    Field(
        description="Why, as the person who made the change would explain it.",
        examples=["Fel utfallskod registrerades"],
    ),
]


class Correction(Command):
    """A correction names only what changes: a field left out (or null) keeps its recorded
    value. The event carries the whole corrected fact, with the reason and the caller."""

    reason: Reason

    def changes(self) -> dict[str, Any]:
        """The corrected fields that were given, as the command holds them."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name != "reason" and getattr(self, name) is not None
        }


class CorrectEnd(Correction):
    end_date: Day | None = None
    outcome: Code | None = Field(
        default=None, description="Outcome code A–E from the reference data.", examples=["B"]
    )


class CorrectAssessment(Correction):
    module: Code | None = Field(default=None, examples=["sprak"])
    level: Code | None = Field(default=None, examples=["B2"])
    criteria_met: list[Code] | None = Field(default=None, max_length=30)
    assessed_on: Day | None = None
    assessor: Name | None = Field(default=None, description="The assessor's role.")
    comment: Text | None = None


class CorrectValueAdded(Correction):
    stage: Literal["planned", "realised"] | None = None
    beneficiary: Literal["workplace", "individual"] | None = None
    category: Code | None = None
    description: Text | None = None


class NameIn(Command):
    """The participant's name as corrected. The personnummer cannot be corrected: a wrong
    one is another person, so the placement is withdrawn and registered again."""

    given_name: Name | None = None
    family_name: Name | None = None


class CorrectDetails(Correction):
    participant: NameIn | None = None
    workplace: WorkplaceIn | None = Field(default=None, description="The whole workplace.")
    supervisor: SupervisorIn | None = Field(default=None, description="The whole supervisor.")
    placement_type: Code | None = None
    role: Name | None = None
    tasks: list[Name] | None = Field(
        default=None, max_length=30, description="The whole list of tasks."
    )
    employment_rate: Annotated[WholeNumber, Field(ge=1, le=100)] | None = None
    start_date: Day | None = None
    planned_end_date: Day | None = None

    @field_validator("planned_end_date")
    @classmethod
    def _dates_in_order(cls, planned_end_date: date | None, info: ValidationInfo) -> date | None:
        """When both are corrected; against the recorded dates, the domain's rule answers."""
        start_date = info.data.get("start_date")
        if start_date and planned_end_date and planned_end_date < start_date:
            raise PydanticCustomError("dates_in_order", "planned_end_date is before start_date")
        return planned_end_date


class Withdraw(Command):
    reason: Reason
