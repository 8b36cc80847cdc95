"""Reference data the follow-up owns: the targets of the fördelningsmodell. The organisation
register's model is the contract's (``contracts.organisations``); both are data, loaded from
files and changed through the API, and checked against each other here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from contracts.events import OrgCode
from contracts.organisations import Committee, OrganisationRegister

UNKNOWN_COMMITTEE = Committee.model_construct(
    code="okand", name="Okänd nämnd (förvaltningen saknas i registret)", administrations=()
)

Year = Annotated[int, Field(ge=2000, le=2100)]
# Strict: ``true`` or ``"50"`` is no number of placements, nor is 50.0 or NaN.
Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]


class YearTargets(BaseModel):
    """How many placements each committee is to deliver in one calendar year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    placements: dict[OrgCode, Count] = Field(
        description="Committee code → number of placements (fördelningsmodellen).",
        examples=[{"ks": 40, "asn": 200}],
    )

    @property
    def total(self) -> int:
        return sum(self.placements.values())


class TargetsFile(BaseModel):
    """The shape of a targets file: ``targets: {2026: {ks: 40, …}}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: dict[Year, dict[OrgCode, Count]]


def unknown_committees(register: OrganisationRegister, targets: Mapping[str, int]) -> list[str]:
    """Committee codes in ``targets`` that the register does not have."""
    known = {c.code for c in register.committees}
    return sorted(code for code in targets if code not in known)


def committees_with_targets_missing(
    register: OrganisationRegister, targets_by_year: Mapping[int, Mapping[str, int]]
) -> list[str]:
    """Committees that have targets but would not be in ``register`` (a register change that
    would orphan them is refused)."""
    return sorted(
        {
            code
            for targets in targets_by_year.values()
            for code in unknown_committees(register, targets)
        }
    )


class CommitteeIndex:
    """Förvaltning code → its committee, the unknown committee for codes not in the register."""

    def __init__(self, register: OrganisationRegister) -> None:
        self._by_administration = {
            a.code: c.code for c in register.committees for a in c.administrations
        }

    def __call__(self, administration: str) -> str:
        return self._by_administration.get(administration, UNKNOWN_COMMITTEE.code)


def administration_name(register: OrganisationRegister, code: str) -> str:
    try:
        return register.administration(code).name
    except KeyError:
        return f"{code} (saknas i registret)"
