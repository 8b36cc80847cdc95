"""Reporting periods: a year, the delår (January–August), a tertial, a month or custom dates.

A period is a closed range of calendar days, ``start`` and ``end`` both included.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from babel.dates import get_month_names

MONTHS_SV = tuple(get_month_names("wide", locale="sv")[m] for m in range(1, 13))  # januari …
MAX_CUSTOM_DAYS = 366 * 25  # a quarter of a century: enough for any follow-up, bounded work
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a report can be about


class PeriodKind(StrEnum):
    YEAR = "year"
    INTERIM = "interim"  # delår: January–August, the city's interim report
    TERTIAL = "tertial"
    MONTH = "month"
    CUSTOM = "custom"


class PeriodError(ValueError):
    """A period that cannot exist or is not supported (month 13, end before start, year 1066).
    ``parameter`` names the request parameter that is wrong (``year``, ``from`` …), ``rule``
    what is wrong with it."""

    def __init__(self, parameter: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.rule = f"period.{rule}"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year(self) -> int | None:
        """The calendar year the period lies in, or None if it spans several."""
        return self.start.year if self.start.year == self.end.year else None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlap_days(self, first: date, last: date) -> int:
        """Days of ``first``–``last`` (both included) that fall inside the period."""
        return max(0, (min(last, self.end) - max(first, self.start)).days + 1)

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        result: list[Period] = []
        cursor = self.start.replace(day=1)
        while cursor <= self.end:
            month = Period.month(cursor.year, cursor.month)
            result.append(
                Period(
                    PeriodKind.MONTH,
                    max(month.start, self.start),
                    min(month.end, self.end),
                    month.label,
                )
            )
            cursor = month.end + timedelta(days=1)
        return result

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        _check_year(year)
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31), f"År {year}")

    @classmethod
    def interim(cls, year: int) -> Period:
        _check_year(year)
        return cls(
            PeriodKind.INTERIM, date(year, 1, 1), date(year, 8, 31), f"Delår {year} (jan–aug)"
        )

    @classmethod
    def tertial(cls, year: int, number: int) -> Period:
        _check_year(year)
        if number not in (1, 2, 3):
            raise PeriodError("tertial", "tertial", "tertial must be 1, 2 or 3")
        first_month = 4 * (number - 1) + 1
        start = date(year, first_month, 1)
        last = first_month + 3
        end = date(year, last, calendar.monthrange(year, last)[1])
        return cls(PeriodKind.TERTIAL, start, end, f"Tertial {number} {year}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        _check_year(year)
        if not 1 <= month <= 12:
            raise PeriodError("month", "month", "month must be within 1–12")
        end = date(year, month, calendar.monthrange(year, month)[1])
        return cls(
            PeriodKind.MONTH,
            date(year, month, 1),
            end,
            f"{MONTHS_SV[month - 1].capitalize()} {year}",
        )

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        _check_year(start.year, "from")
        _check_year(end.year, "to")
        if end < start:
            raise PeriodError("to", "order", "the period ends before it starts")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise PeriodError(
                "to", "too_long", f"a custom period may be at most {MAX_CUSTOM_DAYS} days"
            )
        return cls(PeriodKind.CUSTOM, start, end, f"{start.isoformat()} – {end.isoformat()}")


def _check_year(year: int, parameter: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(parameter, "year_range", f"year must be within {FIRST_YEAR}–{LAST_YEAR}")


def resolve(
    kind: PeriodKind,
    *,
    year: int | None = None,
    tertial: int | None = None,
    month: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Period:
    """The period a request names; says which parameter is missing."""
    if kind is PeriodKind.CUSTOM:
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise PeriodError(missing, "missing", "a custom period needs both from and to")
        return Period.custom(start, end)
    if year is None:
        raise PeriodError("year", "missing", f"a {kind.value} period needs a year")
    if kind is PeriodKind.YEAR:
        return Period.calendar_year(year)
    if kind is PeriodKind.INTERIM:
        return Period.interim(year)
    if kind is PeriodKind.TERTIAL:
        if tertial is None:
            raise PeriodError("tertial", "missing", "a tertial period needs tertial (1–3)")
        return Period.tertial(year, tertial)
    if month is None:
        raise PeriodError("month", "missing", "a month period needs month (1–12)")
    return Period.month(year, month)
