"""The organisation register: committees (nämnder) and their administrations (förvaltningar).

The organisation codes are what ``producer`` and the routing keys carry, and what broker users
and API credentials are named after.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.events import OrgCode

DEFAULT_REGISTER = Path(__file__).parent / "reference_data" / "organisations.yaml"


class Administration(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: OrgCode
    name: str = Field(min_length=1)


class Committee(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: OrgCode
    name: str = Field(min_length=1)
    administrations: tuple[Administration, ...] = Field(min_length=1)


class OrganisationRegister(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    committees: tuple[Committee, ...]

    @model_validator(mode="after")
    def _unique_codes(self) -> OrganisationRegister:
        codes = [c.code for c in self.committees] + [a.code for a in self.administrations]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"organisation codes used twice: {', '.join(duplicates)}")
        return self

    @property
    def administrations(self) -> tuple[Administration, ...]:
        return tuple(a for c in self.committees for a in c.administrations)

    def administration(self, code: str) -> Administration:
        for administration in self.administrations:
            if administration.code == code:
                return administration
        raise KeyError(f"no förvaltning with code {code!r} in the organisation register")

    def committee_of(self, administration_code: str) -> Committee:
        for committee in self.committees:
            if any(a.code == administration_code for a in committee.administrations):
                return committee
        raise KeyError(f"no förvaltning with code {administration_code!r} in the register")


def load_register(path: Path | None = None) -> OrganisationRegister:
    return _load(path or DEFAULT_REGISTER)


@cache
def _load(path: Path) -> OrganisationRegister:
    return OrganisationRegister.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
