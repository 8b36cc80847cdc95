"""The aggregated projection: what each placement contributes to the report's figures, at the
grain the figures need, so that a report reads days × dimensions and never placements.

A placement's *contribution* is a pure function of its folded state (its row, its module
progress and its mervärde entries): a few dated *facts* (it started on a day, its effective
end is a day, it ended on a day with an outcome, …), each with the dimensions the figures
group by and additive measures. When a batch changes a placement, the store subtracts the old
contribution and adds the new one (``Deltas``), in the batch's transaction; corrections and
withdrawal are just another change of state (a withdrawn placement contributes nothing).

Every fact is counted at three spans (day, month, year) and twice: under its workplace and
under the förvaltning's total (``ALL_WORKPLACES``). A sum over any date range then reads at most
a year's worth of months and a month's worth of days per combination of dimensions plus one row
per earlier year (``cover``), however many placements there are.

The figures follow from prefix sums (``S(≤d)``: facts on or before day d):

- started in [a, b] = S_start(≤b) − S_start(≤a−1); ended likewise from the actual end;
- active in [a, b] = S_start(≤b) − S_end(≤a−1): every placement whose effective end is before
  a started before it (an effective end before the start counts as the start day);
- Σ rate × days active up to day d (``rate_days_to``) from Σ rate and Σ rate × day at start
  and at effective end; the period's rate-days are the difference at b and a−1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, NamedTuple, TypeVar

from reporting.domain.periods import Period
from reporting.domain.projection import (
    AssessmentRow,
    ModuleRow,
    PlacementRow,
    ValueAddedRow,
)
from reporting.domain.report import ActivityCell, WorkplaceCell

Span = Literal["d", "m", "y"]
SPANS: tuple[Span, ...] = ("d", "m", "y")
ALL_WORKPLACES = ""  # the workplace key of a förvaltning's total

Table = Literal[
    "activity_flows",
    "trend_flows",
    "ended_flows",
    "certificate_days",
    "value_added_flows",
    "progression_flows",
]
# Each table's dimensions after (organisation, workplace, span, bucket), and its measures.
DIMENSIONS: Mapping[Table, tuple[str, ...]] = {
    "activity_flows": ("series", "placement_type", "gender", "age_band"),
    "trend_flows": ("series",),
    "ended_flows": ("outcome", "gender", "age_band", "duration_bucket", "certified"),
    "certificate_days": ("days",),
    "value_added_flows": ("series", "stage", "beneficiary", "category"),
    "progression_flows": ("module", "progression"),
}
MEASURES: Mapping[Table, tuple[str, ...]] = {
    "activity_flows": ("n", "rate", "rate_day"),
    "trend_flows": ("n",),
    "ended_flows": ("n",),
    "certificate_days": ("n",),
    "value_added_flows": ("n",),
    "progression_flows": ("n",),
}
KEY_PREFIX = ("organisation", "workplace", "span", "bucket")

Sign = Literal[1, -1]  # add a contribution, or take it away
Dimension = str | bool | int
Key = tuple[Table, str, str, Span, date, tuple[Dimension, ...]]
Deltas = dict[Key, list[int]]
_Row = TypeVar("_Row", AssessmentRow, ValueAddedRow)


class Fact(NamedTuple):
    """One dated contribution of a placement, before it is counted at every span."""

    table: Table
    day: date
    dimensions: tuple[Dimension, ...]
    measures: tuple[int, ...]


def bucket(day: date, span: Span) -> date:
    if span == "y":
        return day.replace(month=1, day=1)
    if span == "m":
        return day.replace(day=1)
    return day


# --- contributions --------------------------------------------------------------------------


def facts(
    placement: PlacementRow, modules: Iterable[ModuleRow], value_added: Iterable[ValueAddedRow]
) -> list[Fact]:
    """What one placement contributes; nothing unless it counts (started, not withdrawn)."""
    p = placement
    if not p.counted or p.start_date is None:
        return []
    start = p.start_date
    end = max(p.effective_end or start, start)
    rate = p.employment_rate or 0
    person = (p.placement_type or "", p.gender or "", p.age_band or "")
    found = [
        Fact("activity_flows", start, ("start", *person), (1, rate, rate * start.toordinal())),
        Fact("activity_flows", end, ("end", *person), (1, rate, rate * end.toordinal())),
        Fact("trend_flows", start, ("start",), (1,)),
        Fact("trend_flows", end, ("end",), (1,)),
    ]
    for stage, beneficiary, category in sorted(
        {(v.stage, v.beneficiary, v.category) for v in value_added}
    ):
        found.append(
            Fact("value_added_flows", start, ("start", stage, beneficiary, category), (1,))
        )
        found.append(Fact("value_added_flows", end, ("end", stage, beneficiary, category), (1,)))
    if p.end_date is not None:
        found += _ended(p, p.end_date, modules)
    return found


def _ended(p: PlacementRow, ended: date, modules: Iterable[ModuleRow]) -> list[Fact]:
    found = [
        Fact(
            "activity_flows",
            ended,
            ("ended", p.placement_type or "", p.gender or "", p.age_band or ""),
            (1, 0, 0),
        ),
        Fact("trend_flows", ended, ("ended",), (1,)),
        Fact(
            "ended_flows",
            ended,
            (
                p.outcome or "",
                p.gender or "",
                p.age_band or "",
                p.duration_bucket or "",
                p.certified,
            ),
            (1,),
        ),
    ]
    if p.certified and p.days_to_certificate is not None:
        found.append(Fact("certificate_days", ended, (p.days_to_certificate,), (1,)))
    found += [Fact("progression_flows", ended, (m.module, m.progression), (1,)) for m in modules]
    return found


def add(deltas: Deltas, placement: PlacementRow, found: Iterable[Fact], sign: int) -> None:
    """Add (sign 1) or subtract (−1) a placement's facts, at every span, under its workplace and
    under its förvaltning's total."""
    organisation = placement.organisation or ""
    workplaces = {ALL_WORKPLACES, placement.workplace or ALL_WORKPLACES}
    for fact in found:
        for span in SPANS:
            day = bucket(fact.day, span)
            for workplace in workplaces:
                key: Key = (fact.table, organisation, workplace, span, day, fact.dimensions)
                sums = deltas.get(key)
                if sums is None:
                    sums = deltas[key] = [0] * len(fact.measures)
                for index, value in enumerate(fact.measures):
                    sums[index] += sign * value


def changed(deltas: Deltas) -> Deltas:
    """The deltas that change anything (a placement whose state changed in no counted way
    leaves zeros)."""
    return {key: sums for key, sums in deltas.items() if any(sums)}


@dataclass(frozen=True)
class Scope:
    """Which placements a report counts: every förvaltning's (``organisations`` None), some
    förvaltningar's (a committee's, or one), or one workplace's (of one förvaltning)."""

    organisations: tuple[str, ...] | None = None
    workplace: str = ALL_WORKPLACES
    list_workplaces: bool = False  # a förvaltning's report lists its workplaces too


CITY = Scope()


# --- reading: which buckets sum to a date range -----------------------------------------------


class Segment(NamedTuple):
    """Buckets of one span from ``first`` to ``last`` (bucket dates), inclusive."""

    span: Span
    first: date
    last: date


FIRST_DAY = date(1, 1, 1)  # where every prefix sum starts


def cover(first: date, last: date, *, coarsest: Span = "y") -> list[Segment]:
    """The fewest buckets (up to ``coarsest``) whose days are exactly ``first``…``last``."""
    segments: list[Segment] = []
    day = first
    while day <= last:
        span, through = _widest_run(day, last, coarsest)
        segments.append(Segment(span, day, bucket(through, span)))
        day = through + timedelta(days=1)
    return segments


def _widest_run(day: date, last: date, coarsest: Span) -> tuple[Span, date]:
    """The widest span aligned at ``day`` that fits before ``last``, and the last day of the
    run of whole such buckets from ``day``."""
    if coarsest == "y" and (day.month, day.day) == (1, 1):
        years = last.year - day.year + (1 if (last.month, last.day) == (12, 31) else 0)
        if years > 0:
            return "y", date(day.year + years - 1, 12, 31)
    if day.day == 1:
        months = (last.year - day.year) * 12 + last.month - day.month
        if (last + timedelta(days=1)).day == 1:
            months += 1
        if coarsest == "y":
            months = min(months, 13 - day.month)  # whole months up to the year's end
        if months > 0:
            index = day.year * 12 + day.month - 1 + months
            return "m", date(index // 12, index % 12 + 1, 1) - timedelta(days=1)
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return "d", min(last, month_end)


# --- reading: from prefix sums to the figures -------------------------------------------------


@dataclass
class Prefix:
    """Sums of one combination of dimensions on or before a day (see the module's formulas)."""

    starts: int = 0
    start_rate: int = 0
    start_rate_day: int = 0
    ends: int = 0
    end_rate: int = 0
    end_rate_day: int = 0
    ended: int = 0

    def rate_days_to(self, day: date) -> int:
        """Σ rate × days active on or before ``day``: a placement that started by then has
        been active (day − start + 1) days, less (day − end) if it has ended."""
        d = day.toordinal()
        return (
            (d + 1) * self.start_rate - self.start_rate_day - d * self.end_rate + self.end_rate_day
        )


@dataclass
class Window:
    """The prefix sums at both ends of a period: on or before its last day (``to_end``) and
    before its first (``before``)."""

    to_end: Prefix = field(default_factory=Prefix)
    before: Prefix = field(default_factory=Prefix)


def add_prefix(prefix: Prefix, series: str, n: int, rate: int, rate_day: int) -> None:
    if series == "start":
        prefix.starts += n
        prefix.start_rate += rate
        prefix.start_rate_day += rate_day
    elif series == "end":
        prefix.ends += n
        prefix.end_rate += rate
        prefix.end_rate_day += rate_day
    else:
        prefix.ended += n


ActivityKey = tuple[str, str, str, str]  # organisation, type, gender, age band


def windows() -> defaultdict[ActivityKey, Window]:
    return defaultdict(Window)


def activity_cells(found: Mapping[ActivityKey, Window], period: Period) -> list[ActivityCell]:
    """The activity of each (organisation, type, gender, age band) in the period, from the
    prefix sums at its ends; combinations with nothing active are left out."""
    cells = []
    for (organisation, placement_type, gender, age_band), window in sorted(found.items()):
        started, active, ended, rate_days = figures(window, period)
        if active > 0:
            cells.append(
                ActivityCell(
                    organisation,
                    placement_type,
                    gender,
                    age_band,
                    started,
                    active,
                    ended,
                    rate_days,
                )
            )
    return cells


def figures(window: Window, period: Period) -> tuple[int, int, int, int]:
    """(started, active, ended, rate-days) in the period, from the prefix sums at its ends."""
    before = period.start - timedelta(days=1)
    return (
        window.to_end.starts - window.before.starts,
        window.to_end.starts - window.before.ends,
        window.to_end.ended - window.before.ended,
        window.to_end.rate_days_to(period.end) - window.before.rate_days_to(before),
    )


def workplace_cells(found: Mapping[str, Window], period: Period) -> list[WorkplaceCell]:
    cells = [
        WorkplaceCell(workplace, *figures(window, period)) for workplace, window in found.items()
    ]
    return [cell for cell in cells if cell.active > 0]
