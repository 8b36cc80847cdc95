"""Drill-down: a report for the whole city, one committee (its förvaltningar), one förvaltning or
one of its workplaces. Every figure is the same at every level; what changes is which
placements count (``Scope``), which part of the organisation register names them, and which
target applies (a committee's own; a förvaltning or a workplace has none of its own: the
fördelningsmodell sets targets per committee)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from contracts.organisations import Committee, OrganisationRegister
from reporting.domain import definitions
from reporting.domain.aggregates import ALL_WORKPLACES, Scope
from reporting.domain.periods import Period
from reporting.domain.reference import administration_name
from reporting.domain.report import WorkplaceCell
from reporting.schemas import Group, UnitLink, UnitOut


class Level(StrEnum):
    CITY = "city"
    COMMITTEE = "committee"
    FORVALTNING = "forvaltning"
    WORKPLACE = "workplace"


@dataclass(frozen=True)
class Unit:
    level: Level = Level.CITY
    code: str | None = None  # the committee's or the förvaltning's code
    workplace: str | None = None  # at the workplace level: its name (and unit)


class UnitError(ValueError):
    """A unit the request cannot mean: which parameter, and the rule it breaks."""

    def __init__(self, parameter: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.rule = parameter, rule


def check(unit: Unit) -> None:
    """The parameters agree with the level (the register is checked by ``resolve``)."""
    if unit.level != Level.CITY and not unit.code:
        raise UnitError("unit", "missing", f"level={unit.level} needs the unit's code")
    if unit.level == Level.CITY and unit.code:
        raise UnitError("unit", "not_allowed", "level=city takes no unit")
    if (unit.level == Level.WORKPLACE) != bool(unit.workplace):
        rule = "missing" if unit.level == Level.WORKPLACE else "not_allowed"
        raise UnitError("workplace", rule, "workplace is given with level=workplace only")


@dataclass(frozen=True)
class Resolved:
    scope: Scope
    register: OrganisationRegister  # the part of the register the report names
    unit: UnitOut


def resolve(unit: Unit, register: OrganisationRegister) -> Resolved:
    if unit.level == Level.CITY or unit.code is None:
        return Resolved(Scope(), register, UnitOut(level="city", name="Hela staden", path=[]))
    city = UnitLink(level="city", name="Hela staden")
    if unit.level == Level.COMMITTEE:
        committee = _committee(register, unit.code)
        return Resolved(
            Scope(organisations=tuple(a.code for a in committee.administrations)),
            OrganisationRegister(committees=(committee,)),
            UnitOut(level="committee", code=committee.code, name=committee.name, path=[city]),
        )
    return _administration(unit, unit.code, register, city)


def _committee(register: OrganisationRegister, code: str) -> Committee:
    for committee in register.committees:
        if committee.code == code:
            return committee
    raise UnitError("unit", "unknown_committee", f"no committee {code!r} in the register")


def _administration(
    unit: Unit, code: str, register: OrganisationRegister, city: UnitLink
) -> Resolved:
    """A förvaltning, or one of its workplaces; one not in the register (events may name one
    before the register does) is reported under no committee."""
    path = [city]
    try:
        committee = register.committee_of(code)
    except KeyError:
        part = OrganisationRegister(committees=())
    else:
        path.append(UnitLink(level="committee", code=committee.code, name=committee.name))
        mine = tuple(a for a in committee.administrations if a.code == code)
        part = OrganisationRegister(
            committees=(committee.model_copy(update={"administrations": mine}),)
        )
    name = administration_name(register, code)
    if unit.level == Level.FORVALTNING:
        scope = Scope(organisations=(code,), list_workplaces=True)
        return Resolved(scope, part, UnitOut(level="forvaltning", code=code, name=name, path=path))
    workplace = unit.workplace or ALL_WORKPLACES
    path.append(UnitLink(level="forvaltning", code=code, name=name))
    return Resolved(
        Scope(organisations=(code,), workplace=workplace),
        part,
        UnitOut(level="workplace", code=code, workplace=workplace, name=workplace, path=path),
    )


def unit_targets(unit: Unit, targets: Mapping[str, int] | None) -> Mapping[str, int] | None:
    """The targets a unit's report compares with: the city's, or the committee's own."""
    if targets is None or unit.level == Level.CITY:
        return targets
    if unit.level == Level.COMMITTEE and unit.code is not None:
        return {unit.code: targets[unit.code]} if unit.code in targets else {}
    return None


def workplace_groups(cells: list[WorkplaceCell], period: Period) -> list[Group]:
    """A förvaltning's workplaces, most active first: where its report drills down to."""
    return [
        Group(
            code=c.workplace,
            name=c.workplace,
            started=c.started,
            active=c.active,
            ended=c.ended,
            fte=float(round(definitions.fte(c.rate_days, period.days), 2)),
        )
        for c in sorted(cells, key=lambda c: (-c.active, c.workplace))
    ]
