"""The counting: sums of the aggregates (``reporting.domain.aggregates``) over the buckets that
cover a period, so a report reads days × dimensions and never placements, at any level (the
city, a committee's förvaltningar, one förvaltning, one workplace). Figures that need the
state at both ends of the period (active, rate-days) are read as prefix sums, ``to_end`` (on
or before the last day) and ``before`` (before the first), and finished in the domain.

Every part of a report is read by one statement (one round trip, one snapshot), each part as
its columns, one array each: arrays of scalars decode several times faster than an array of
rows (records), which at a million placements cost more than the counting. The period's buckets
are read once each: ``to_end`` is ``before`` plus the period's own buckets (``in``), so a
bucket before the period is not summed twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from reporting.domain.aggregates import (
    FIRST_DAY,
    ActivityKey,
    Prefix,
    Scope,
    Segment,
    Window,
    activity_cells,
    cover,
    workplace_cells,
)
from reporting.domain.periods import Period
from reporting.domain.report import (
    Aggregates,
    EndedCell,
    ProgressionCell,
    TrendCounts,
    ValueAddedCell,
)

# $1–$4 the labelled segments, $5 the workplace, $6 the förvaltningar (NULL: every one), $7 the
# period's first month (year × 12 + month).
_SEGMENTS = """seg AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[])
                  AS c(label, span, first, last))"""


def _covered(table: str, labels: tuple[str, ...], workplace: str = "t.workplace = $5") -> str:
    """The rows of ``table`` in the segments with these labels, in the scope. Each segment is
    one index range scan (``OFFSET 0`` keeps the planner from flattening the subquery into a
    hash join over the whole table, which it prefers for a few segments)."""
    wanted = ", ".join(f"'{label}'" for label in labels)
    return f"""seg c CROSS JOIN LATERAL (
        SELECT * FROM {table} t
         WHERE {workplace} AND t.span = c.span AND t.bucket BETWEEN c.first AND c.last
           AND ($6::text[] IS NULL OR t.organisation = ANY($6::text[]))
        OFFSET 0) f
     WHERE c.label IN ({wanted})"""


# ``Prefix``'s fields in order, each a (series, measure) of ``activity_flows``.
_PREFIX = (
    ("start", "n"),
    ("start", "rate"),
    ("start", "rate_day"),
    ("end", "n"),
    ("end", "rate"),
    ("end", "rate_day"),
    ("ended", "n"),
)
_WINDOW_LABELS = ("before", "in")


def _window_sums() -> str:
    """A ``Window``'s prefix sums as columns: ``to_end`` over every bucket read, ``before``
    over those before the period."""
    sums = []
    for label_filter in ("", " AND c.label = 'before'"):
        sums += [
            f"coalesce(sum(f.{measure}) FILTER (WHERE f.series = '{series}'{label_filter}), 0)"
            "::bigint"
            for series, measure in _PREFIX
        ]
    return ", ".join(sums)


_PARTS = {
    "activity": f"""
        SELECT f.organisation, f.placement_type, f.gender, f.age_band, {_window_sums()}
          FROM {_covered("activity_flows", _WINDOW_LABELS)}
         GROUP BY 1, 2, 3, 4""",
    "ended": f"""
        SELECT f.organisation, f.outcome, f.gender, f.age_band, f.duration_bucket, f.certified,
               sum(f.n)::bigint
          FROM {_covered("ended_flows", ("in",))}
         GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(f.n) <> 0""",
    "days": f"""
        SELECT f.days, sum(f.n)::bigint FROM {_covered("certificate_days", ("in",))}
         GROUP BY 1 HAVING sum(f.n) <> 0""",
    # placements with the category active in the period: started by its end, less those whose
    # effective end is before its start
    "value_added": f"""
        SELECT f.stage, f.beneficiary, f.category, placements
          FROM (SELECT f.stage, f.beneficiary, f.category,
                       sum(CASE WHEN f.series = 'start' THEN f.n
                                WHEN f.series = 'end' AND c.label = 'before' THEN -f.n
                                ELSE 0 END)::bigint AS placements
                  FROM {_covered("value_added_flows", _WINDOW_LABELS)}
                 GROUP BY 1, 2, 3) f
         WHERE placements > 0""",
    "progression": f"""
        SELECT f.module, f.progression, sum(f.n)::bigint
          FROM {_covered("progression_flows", ("in",))}
         GROUP BY 1, 2 HAVING sum(f.n) <> 0""",
    # month by month: whole months read month buckets, a cut month its days
    "trend": f"""
        SELECT f.series,
               extract(year FROM f.bucket)::int * 12 + extract(month FROM f.bucket)::int - $7
                   AS month,
               sum(f.n)::bigint
          FROM {_covered("trend_flows", ("months",))}
         GROUP BY 1, 2 HAVING sum(f.n) <> 0""",
}
# A förvaltning's workplaces, each from its own rows (not the förvaltning's total).
_WORKPLACES = f"""
        SELECT f.workplace, {_window_sums()}
          FROM {_covered("activity_flows", _WINDOW_LABELS, "t.workplace <> ''")}
           AND $6::text[] IS NOT NULL
         GROUP BY 1"""


# How many columns each part has (``_rows`` reassembles its rows from them).
_WIDTHS = {
    "activity": 4 + 2 * len(_PREFIX),
    "ended": 7,
    "days": 2,
    "value_added": 4,
    "progression": 3,
    "trend": 3,
    "workplaces": 1 + 2 * len(_PREFIX),
}


def _statement(parts: dict[str, str]) -> str:
    """One row: each part's columns as arrays, ``<part>_<i>`` (NULL for a part with no rows)."""
    ctes = ",\n".join(
        f"{name}({', '.join(f'c{i}' for i in range(_WIDTHS[name]))}) AS ({sql})"
        for name, sql in parts.items()
    )
    columns = ",\n     ".join(
        f"(SELECT {', '.join(f'array_agg(c{i}) AS {name}_{i}' for i in range(_WIDTHS[name]))}"
        f" FROM {name}) AS {name}_columns"
        for name in parts
    )
    return f"WITH {_SEGMENTS},\n{ctes}\nSELECT * FROM {columns}"


def _rows(row: asyncpg.Record, part: str) -> list[tuple[Any, ...]]:
    """A part's rows, from its columns."""
    columns = [row[f"{part}_{i}"] for i in range(_WIDTHS[part])]
    return list(zip(*columns, strict=True)) if columns[0] is not None else []


_REPORT = _statement(_PARTS)
_REPORT_WITH_WORKPLACES = _statement({**_PARTS, "workplaces": _WORKPLACES})


def _segments(period: Period) -> list[tuple[str, Segment]]:
    before = period.start - timedelta(days=1)
    return (
        [("before", s) for s in cover(FIRST_DAY, before)]
        + [("in", s) for s in cover(period.start, period.end)]
        + [("months", s) for s in cover(period.start, period.end, coarsest="m")]
    )


async def aggregates(conn: asyncpg.Connection, period: Period, scope: Scope) -> Aggregates:
    labelled = _segments(period)
    row = await conn.fetchrow(
        _REPORT_WITH_WORKPLACES if scope.list_workplaces else _REPORT,
        [label for label, _ in labelled],
        [s.span for _, s in labelled],
        [s.first for _, s in labelled],
        [s.last for _, s in labelled],
        scope.workplace,
        list(scope.organisations) if scope.organisations is not None else None,
        period.start.year * 12 + period.start.month,
    )
    assert row is not None  # an aggregate over no rows is still one row
    found = {(r[0], r[1], r[2], r[3]): _window(r, 4) for r in _rows(row, "activity")}
    return Aggregates(
        activity=activity_cells(found, period),
        ended=[EndedCell(*r) for r in _rows(row, "ended")],
        days_to_certificate=dict(_rows(row, "days")),
        value_added=[ValueAddedCell(*r) for r in _rows(row, "value_added")],
        progression=[ProgressionCell(*r) for r in _rows(row, "progression")],
        trend=_trend(_rows(row, "trend"), found),
        workplaces=workplace_cells({r[0]: _window(r, 1) for r in _rows(row, "workplaces")}, period)
        if scope.list_workplaces
        else [],
    )


def _window(row: tuple[Any, ...], first: int) -> Window:
    """The two prefix sums that follow the key's columns (``_window_sums``)."""
    middle = first + len(_PREFIX)
    return Window(to_end=Prefix(*row[first:middle]), before=Prefix(*row[middle:]))


def _trend(rows: Any, found: dict[ActivityKey, Window]) -> TrendCounts:
    series: dict[str, dict[int, int]] = {"start": {}, "end": {}, "ended": {}}
    for name, month, n in rows:
        series[name][month] = n
    return TrendCounts(
        started_before=sum(w.before.starts for w in found.values()),
        ended_before=sum(w.before.ends for w in found.values()),
        started=series["start"],
        effective_end=series["end"],
        ended=series["ended"],
    )
