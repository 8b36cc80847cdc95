"""The follow-up's definitions, each in one small pure function, so that the numbers in the
API, the exports and the dashboard mean one thing and can be read here.

- A placement *counts* once its ``PlacementStarted`` has been applied, and never once it has
  been withdrawn (``PlacementWithdrawn``); every fact counts as last corrected.
- Its *effective end* is the actual end date once it has ended, else the planned end date
  (the placements are fixed-term employments; an extension arrives as ``PlacementUpdated``).
- *Active in a period*: start ≤ period end and effective end ≥ period start.
- *Delivered* (levererade platser) in a period: placements active at some time during it,
  each counted once, attributed to the committee of the förvaltning that registered it.
- *Full-time equivalents* (årsarbetare): Σ employment_rate/100 × (days active within the
  period / days of the period); the average number of full-time posts the period held.
- *Target* of a period: the year's target for the year and the delår; for a month, a tertial
  or a custom period within one year, its pro-rata share (days of the period / days of the
  year), in whole placements; none for a period across years.
- *Share to work or studies*: placements that ended in the period with outcome A (work) or B
  (studies), over all placements that ended in the period (A–E); see ``OUTCOME_DEFINITION``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction
from typing import Literal

from contracts.reference import OUTCOME_CATEGORIES
from reporting.domain.periods import Period, PeriodKind

DurationBucket = Literal["under_3", "3_to_6", "6_to_24", "over_24"]
DURATION_BUCKETS: tuple[DurationBucket, ...] = ("under_3", "3_to_6", "6_to_24", "over_24")
DURATION_LABELS: Mapping[DurationBucket, str] = {
    "under_3": "< 3 mån",
    "3_to_6": "3–6 mån",
    "6_to_24": "6–24 mån",
    "over_24": "> 24 mån",
}

Progression = Literal["improved", "same", "declined", "single"]
PROGRESSIONS: tuple[Progression, ...] = ("improved", "same", "declined", "single")

WORK_OR_STUDIES = frozenset(code for code, c in OUTCOME_CATEGORIES.items() if c != "other")

OUTCOME_DEFINITION = (
    "Andel till arbete eller studier: avslutade platser under perioden med avslutsorsak "
    "A (arbete) eller B (studier) delat med alla avslutade platser under perioden (A–E). "
    "Samma konstruktion som Koladas nyckeltal U40455 (deltagare i kommunala "
    "arbetsmarknadsinsatser som gått vidare till arbete eller studier, andel), men räknat på "
    "platser per vald period, inte på personer per kalenderår."
)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 = 28 Feb),
    as PostgreSQL's ``date + interval 'n months'`` does."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def effective_end(planned_end_date: date | None, end_date: date | None) -> date | None:
    return end_date if end_date is not None else planned_end_date


def duration_bucket(start_date: date, end_date: date) -> DurationBucket:
    """Time in placement, in calendar months from the start to the day after the last day:
    under 3; 3 up to and including 6; over 6 up to and including 24; over 24. So a
    six-month placement is in 3–6 and a 24-month one (the longest extratjänst) in 6–24."""
    end_exclusive = date.fromordinal(end_date.toordinal() + 1)
    if end_exclusive < add_months(start_date, 3):
        return "under_3"
    if end_exclusive <= add_months(start_date, 6):
        return "3_to_6"
    if end_exclusive <= add_months(start_date, 24):
        return "6_to_24"
    return "over_24"


def progression(first_index: int, last_index: int, assessments: int) -> Progression:
    """First against last assessment of a module on its scale. One assessment shows no
    progression either way, so it is its own class rather than "same"."""
    if assessments < 2:
        return "single"
    if last_index > first_index:
        return "improved"
    if last_index < first_index:
        return "declined"
    return "same"


def fte(rate_days: int, period_days: int) -> Fraction:
    """Full-time equivalents from Σ employment_rate × active days (rate in percent)."""
    return Fraction(rate_days, 100 * period_days)


def target_share(period: Period) -> Fraction | None:
    """The part of the year's target a period is compared with: its share of the year's days
    (a month, a tertial, a custom period within one year); the whole target for the year and
    the delår (which reports progress toward the year's target); None across years."""
    year = period.year
    if year is None:
        return None
    if period.kind in (PeriodKind.YEAR, PeriodKind.INTERIM):
        return Fraction(1)
    return Fraction(period.days, days_in_year(year))


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def period_target(annual: int, share: Fraction) -> int:
    """The year's target cut to a period, in whole placements (half rounds up)."""
    return int(annual * share + Fraction(1, 2))


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four decimals; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def percentile(frequencies: Mapping[int, int], p: int) -> int | None:
    """Nearest-rank percentile of values given as value → how many: the smallest value with at
    least ``p`` percent of the observations at or below it. None without observations."""
    total = sum(frequencies.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total / 100))
    seen = 0
    for value in sorted(frequencies):
        seen += frequencies[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: rank is at most the total")


def certificate_status(
    certificates: Iterable[tuple[date | None, bool, bool]],
) -> tuple[bool, date | None]:
    """(covered, first issue date) from a placement's certificates as (issued on, revoked,
    superseded). Covered: some issued certificate is not revoked (a corrected certificate
    replaces a superseded one, so re-issue keeps coverage; revoked without replacement does
    not). The first issue date counts certificates that are valid or were superseded, so time
    to certificate measures the first certificate the person actually got."""
    covered = False
    first: date | None = None
    for issued_on, revoked, superseded in certificates:
        if issued_on is None:
            continue  # revoked before its issue event arrived
        covered = covered or not revoked
        if (not revoked or superseded) and (first is None or issued_on < first):
            first = issued_on
    return covered, (first if covered else None)
