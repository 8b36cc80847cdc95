"""Plausibility: dates and ages a person can type but that cannot be true of a placement (a
start thirty years ahead, an end next year, an assessment long after the end).

The windows are the city's settings; "today" is given by the caller, so the rules are pure
and the tests can pick the day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.personnummer import Personnummer
from contracts.reference import PlacementType
from placements.domain.errors import RuleViolation


@dataclass(frozen=True)
class Plausibility:
    start_years_back: int = 5
    start_months_ahead: int = 6
    assessment_grace_days: int = 30
    min_age: int = 16
    max_age: int = 67


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), the month's last day where it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def check_start(rules: Plausibility, today: date, start: date) -> None:
    earliest = add_months(today, -12 * rules.start_years_back)
    latest = add_months(today, rules.start_months_ahead)
    if not earliest <= start <= latest:
        raise RuleViolation(
            "start_date",
            "start_date_window",
            f"start_date must be within {earliest.isoformat()}–{latest.isoformat()} "
            f"({rules.start_years_back} years back, {rules.start_months_ahead} months ahead)",
        )


def check_age(rules: Plausibility, personnummer: Personnummer, start: date) -> None:
    age = personnummer.age_on(start)
    if not rules.min_age <= age <= rules.max_age:
        raise RuleViolation(
            "participant.personnummer",
            "age_range",
            f"the participant is {age} at the start; a placement is for ages "
            f"{rules.min_age}–{rules.max_age}",
        )


def check_planned_end(
    placement_type: PlacementType, start: date, planned_end: date, *, extended: bool
) -> None:
    """Not before the start (a one-day placement is possible), and within the type's maximum
    duration: the registration's limit, or the total with extensions on a later change."""
    if planned_end < start:
        raise RuleViolation(
            "planned_end_date", "dates_in_order", "planned_end_date is before start_date"
        )
    limit = placement_type.max_duration
    months = None if limit is None else limit.extended_months if extended else limit.months
    if months is not None and planned_end > add_months(start, months):
        raise RuleViolation(
            "planned_end_date",
            "max_duration",
            f"a {placement_type.code} lasts at most {months} months"
            f"{' in total' if extended else ''}: planned_end_date must be on or before "
            f"{add_months(start, months).isoformat()}",
        )


def check_end(start: date, end: date, today: date) -> None:
    if end < start:
        raise RuleViolation("end_date", "dates_in_order", "end_date is before start_date")
    if end > today:
        raise RuleViolation(
            "end_date", "future_date", f"end_date is after today ({today.isoformat()})"
        )


def check_assessed_on(rules: Plausibility, today: date, start: date, end: date, on: date) -> None:
    """Within the placement, or shortly after its (planned or actual) ``end``; never ahead."""
    if on < start:
        raise RuleViolation(
            "assessed_on", "dates_in_order", "assessed_on is before the placement's start_date"
        )
    if on > today:
        raise RuleViolation(
            "assessed_on", "future_date", f"assessed_on is after today ({today.isoformat()})"
        )
    latest = end + timedelta(days=rules.assessment_grace_days)
    if on > latest:
        raise RuleViolation(
            "assessed_on",
            "after_placement",
            f"assessed_on is more than {rules.assessment_grace_days} days after the "
            f"placement's end ({end.isoformat()})",
        )
