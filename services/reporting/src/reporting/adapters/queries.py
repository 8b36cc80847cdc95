"""The counting: grouped counts of the projection for one period, in SQL, so a report over a
hundred thousand placements moves a few hundred rows, not the placements. The predicates are
those of ``reporting.domain.definitions`` (active, started, ended in the period); everything
that does not depend on the period was derived when the row was written, ``counted`` among it:
a placement counts once its start is known and never once it is withdrawn, in every figure."""

from __future__ import annotations

import asyncpg

from reporting.domain.periods import Period
from reporting.domain.report import (
    ActivityCell,
    Aggregates,
    EndedCell,
    ProgressionCell,
    TrendCounts,
    ValueAddedCell,
)

COUNTED = "counted"
ACTIVE = f"{COUNTED} AND start_date <= $2 AND effective_end >= $1"
ENDED = f"{COUNTED} AND end_date BETWEEN $1 AND $2"


async def aggregates(conn: asyncpg.Connection, period: Period) -> Aggregates:
    """Run in one snapshot (the caller's repeatable-read transaction) so the parts agree."""
    bounds = (period.start, period.end)
    activity = await conn.fetch(
        f"""SELECT organisation, placement_type, gender, age_band,
                   count(*) FILTER (WHERE start_date >= $1) AS started,
                   count(*) AS active,
                   count(*) FILTER (WHERE end_date BETWEEN $1 AND $2) AS ended,
                   coalesce(sum(employment_rate::bigint
                       * (LEAST(effective_end, $2) - GREATEST(start_date, $1) + 1)), 0)::bigint
                       AS rate_days
              FROM placements WHERE {ACTIVE}
             GROUP BY organisation, placement_type, gender, age_band""",
        *bounds,
    )
    ended = await conn.fetch(
        f"""SELECT organisation, outcome, gender, age_band, duration_bucket, certified,
                   count(*) AS count
              FROM placements WHERE {ENDED}
             GROUP BY organisation, outcome, gender, age_band, duration_bucket, certified""",
        *bounds,
    )
    days = await conn.fetch(
        f"""SELECT days_to_certificate AS days, count(*) AS n FROM placements
             WHERE {ENDED} AND certified AND days_to_certificate IS NOT NULL
             GROUP BY days_to_certificate""",
        *bounds,
    )
    value_added = await conn.fetch(
        f"""SELECT v.stage, v.beneficiary, v.category,
                   count(DISTINCT v.placement_id) AS placements
              FROM value_added v JOIN placements USING (placement_id)
             WHERE {ACTIVE}
             GROUP BY v.stage, v.beneficiary, v.category""",
        *bounds,
    )
    progression = await conn.fetch(
        f"""SELECT m.module, m.progression, count(*) AS placements
              FROM module_progress m JOIN placements USING (placement_id)
             WHERE {ENDED}
             GROUP BY m.module, m.progression""",
        *bounds,
    )
    return Aggregates(
        activity=[ActivityCell(**row) for row in activity],
        ended=[EndedCell(**row) for row in ended],
        days_to_certificate={row["days"]: row["n"] for row in days},
        value_added=[ValueAddedCell(**row) for row in value_added],
        progression=[ProgressionCell(**row) for row in progression],
        trend=await _trend(conn, period),
    )


async def _trend(conn: asyncpg.Connection, period: Period) -> TrendCounts:
    before = await conn.fetchrow(
        f"""SELECT count(*) FILTER (WHERE start_date < $1) AS started,
                   count(*) FILTER (WHERE effective_end < $1) AS ended
              FROM placements WHERE {COUNTED} AND start_date < $1""",
        period.start,
    )
    assert before is not None
    first_month = period.start.year * 12 + period.start.month

    def month(column: str) -> str:
        return f"(extract(year FROM {column})::int * 12 + extract(month FROM {column})::int - $3)"

    rows = await conn.fetch(
        f"""SELECT 'started' AS series, {month("start_date")} AS month, count(*) AS n
              FROM placements WHERE {COUNTED} AND start_date BETWEEN $1 AND $2 GROUP BY 2
            UNION ALL
            SELECT 'effective_end', {month("effective_end")}, count(*)
              FROM placements WHERE {COUNTED} AND effective_end BETWEEN $1 AND $2 GROUP BY 2
            UNION ALL
            SELECT 'ended', {month("end_date")}, count(*)
              FROM placements WHERE {ENDED} GROUP BY 2""",
        period.start,
        period.end,
        first_month,
    )
    series: dict[str, dict[int, int]] = {"started": {}, "effective_end": {}, "ended": {}}
    for row in rows:
        series[row["series"]][row["month"]] = row["n"]
    return TrendCounts(
        started_before=before["started"],
        ended_before=before["ended"],
        started=series["started"],
        effective_end=series["effective_end"],
        ended=series["ended"],
    )
