"""The counting: sums of the aggregates (``reporting.domain.aggregates``) over the buckets that
cover a period, so a report reads days × dimensions and never placements, at any level (the
city, a committee's förvaltningar, one förvaltning, one workplace). Figures that need the
state at both ends of the period (active, rate-days) are read as prefix sums, labelled
``to_end`` (on or before the last day) and ``before`` (before the first), and finished in
the domain."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import asyncpg

from reporting.domain.aggregates import (
    FIRST_DAY,
    ActivityKey,
    Prefix,
    Scope,
    Segment,
    Span,
    Window,
    activity_cells,
    add_prefix,
    cover,
    windows,
    workplace_cells,
)
from reporting.domain.periods import Period
from reporting.domain.report import (
    Aggregates,
    EndedCell,
    ProgressionCell,
    TrendCounts,
    ValueAddedCell,
    WorkplaceCell,
)

Labelled = list[tuple[str, Segment]]

# The buckets of each label, and the scope: $1–$4 are the segments, $5 the workplace, $6 the
# förvaltningar (NULL: every one).
# Each segment is one index range scan (``OFFSET 0`` keeps the planner from flattening the
# subquery into a hash join over the whole table, which it prefers for a few segments).
_COVERED = """unnest($1::text[], $2::text[], $3::date[], $4::date[]) AS c(label, span, first, last)
  CROSS JOIN LATERAL (
      SELECT * FROM {table} t
       WHERE t.workplace = $5 AND t.span = c.span AND t.bucket BETWEEN c.first AND c.last
         AND ($6::text[] IS NULL OR t.organisation = ANY($6::text[]))
      OFFSET 0) f"""


def _window_segments(period: Period) -> Labelled:
    before = period.start - timedelta(days=1)
    return [("to_end", s) for s in cover(FIRST_DAY, period.end)] + [
        ("before", s) for s in cover(FIRST_DAY, before)
    ]


def _within(period: Period, coarsest: Span = "y") -> Labelled:
    return [("in", s) for s in cover(period.start, period.end, coarsest=coarsest)]


async def _fetch(
    conn: asyncpg.Connection, sql: str, table: str, labelled: Labelled, scope: Scope
) -> list[asyncpg.Record]:
    arrays: list[Any] = [list(column) for column in zip(*_flat(labelled), strict=True)]
    organisations = list(scope.organisations) if scope.organisations is not None else None
    return await conn.fetch(  # type: ignore[no-any-return]
        sql.replace("{covered}", _COVERED.format(table=table)),
        *arrays,
        scope.workplace,
        organisations,
    )


def _flat(labelled: Labelled) -> Iterable[tuple[Any, ...]]:
    return [(label, s.span, s.first, s.last) for label, s in labelled]


async def aggregates(conn: asyncpg.Connection, period: Period, scope: Scope) -> Aggregates:
    """Run in one snapshot (the caller's repeatable-read transaction) so the parts agree."""
    found = await _activity(conn, period, scope)
    ended = await _fetch(
        conn,
        """SELECT f.organisation, f.outcome, f.gender, f.age_band, f.duration_bucket,
                  f.certified, sum(f.n)::bigint AS count
             FROM {covered}
            GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(f.n) <> 0""",
        "ended_flows",
        _within(period),
        scope,
    )
    days = await _fetch(
        conn,
        """SELECT f.days, sum(f.n)::bigint AS n FROM {covered}
            GROUP BY 1 HAVING sum(f.n) <> 0""",
        "certificate_days",
        _within(period),
        scope,
    )
    value_added = await _fetch(
        conn,
        """SELECT f.stage, f.beneficiary, f.category,
                  sum(CASE WHEN f.series = 'start' AND c.label = 'to_end' THEN f.n
                           WHEN f.series = 'end' AND c.label = 'before' THEN -f.n
                           ELSE 0 END)::bigint AS placements
             FROM {covered}
            GROUP BY 1, 2, 3 HAVING sum(CASE WHEN f.series = 'start' AND c.label = 'to_end'
                THEN f.n WHEN f.series = 'end' AND c.label = 'before' THEN -f.n ELSE 0 END) > 0""",
        "value_added_flows",
        _window_segments(period),
        scope,
    )
    progression = await _fetch(
        conn,
        """SELECT f.module, f.progression, sum(f.n)::bigint AS placements FROM {covered}
            GROUP BY 1, 2 HAVING sum(f.n) <> 0""",
        "progression_flows",
        _within(period),
        scope,
    )
    return Aggregates(
        activity=activity_cells(found, period),
        ended=[EndedCell(**row) for row in ended],
        days_to_certificate={row["days"]: row["n"] for row in days},
        value_added=[ValueAddedCell(**row) for row in value_added],
        progression=[ProgressionCell(**row) for row in progression],
        trend=await _trend(conn, period, scope, found),
        workplaces=await _workplaces(conn, period, scope) if scope.list_workplaces else [],
    )


async def _workplaces(
    conn: asyncpg.Connection, period: Period, scope: Scope
) -> list[WorkplaceCell]:
    """Each workplace of the scope's förvaltning (its own rows, not the förvaltning's total)."""
    arrays: list[Any] = [
        list(column) for column in zip(*_flat(_window_segments(period)), strict=True)
    ]
    rows = await conn.fetch(
        """SELECT f.workplace, f.series, c.label, sum(f.n)::bigint AS n,
                  sum(f.rate)::bigint AS rate, sum(f.rate_day)::bigint AS rate_day
             FROM unnest($1::text[], $2::text[], $3::date[], $4::date[])
                  AS c(label, span, first, last)
            CROSS JOIN LATERAL (
                SELECT * FROM activity_flows t
                 WHERE t.span = c.span AND t.bucket BETWEEN c.first AND c.last
                   AND t.organisation = ANY($5::text[]) AND t.workplace <> ''
                OFFSET 0) f
            GROUP BY 1, 2, 3""",
        *arrays,
        list(scope.organisations or ()),
    )
    found: dict[str, Window] = {}
    for r in rows:
        window = found.setdefault(r["workplace"], Window())
        prefix = window.to_end if r["label"] == "to_end" else window.before
        add_prefix(prefix, r["series"], r["n"], r["rate"], r["rate_day"])
    return workplace_cells(found, period)


async def _activity(
    conn: asyncpg.Connection, period: Period, scope: Scope
) -> dict[ActivityKey, Window]:
    rows = await _fetch(
        conn,
        """SELECT f.organisation, f.placement_type, f.gender, f.age_band, f.series, c.label,
                  sum(f.n)::bigint AS n, sum(f.rate)::bigint AS rate,
                  sum(f.rate_day)::bigint AS rate_day
             FROM {covered}
            GROUP BY 1, 2, 3, 4, 5, 6""",
        "activity_flows",
        _window_segments(period),
        scope,
    )
    found = windows()
    for r in rows:
        window = found[(r["organisation"], r["placement_type"], r["gender"], r["age_band"])]
        prefix = window.to_end if r["label"] == "to_end" else window.before
        add_prefix(prefix, r["series"], r["n"], r["rate"], r["rate_day"])
    return dict(found)


async def _trend(
    conn: asyncpg.Connection,
    period: Period,
    scope: Scope,
    found: dict[ActivityKey, Window],
) -> TrendCounts:
    """Month by month: whole months read month buckets, a cut month its days."""
    first_month = period.start.year * 12 + period.start.month
    rows = await _fetch(
        conn,
        f"""SELECT f.series,
                   extract(year FROM f.bucket)::int * 12 + extract(month FROM f.bucket)::int
                       - {first_month:d} AS month,
                   sum(f.n)::bigint AS n
              FROM {{covered}}
             GROUP BY 1, 2 HAVING sum(f.n) <> 0""",
        "trend_flows",
        _within(period, coarsest="m"),
        scope,
    )
    series: dict[str, dict[int, int]] = {"start": {}, "end": {}, "ended": {}}
    for row in rows:
        series[row["series"]][row["month"]] = row["n"]
    before = Prefix()
    for window in found.values():
        before.starts += window.before.starts
        before.ends += window.before.ends
    return TrendCounts(
        started_before=before.starts,
        ended_before=before.ends,
        started=series["start"],
        effective_end=series["end"],
        ended=series["ended"],
    )
