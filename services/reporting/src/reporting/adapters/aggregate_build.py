"""The aggregates built in one pass from the per-placement projection, in SQL: what a replay
does once it has caught up, instead of moving the aggregates batch by batch (a replay's
batches each touch a few hundred placements; one pass touches each placement once).

The contributions are those of ``reporting.domain.aggregates.facts``, written as set
operations: a placement counts once started and not withdrawn; its effective end is never
before its start; every fact is summed at three spans and under the workplace and the
förvaltning's total. ``tests/integration/reporting/test_aggregate_build.py`` checks that this
pass and the batch-by-batch deltas give the same rows."""

from __future__ import annotations

import asyncpg

from reporting.domain import aggregates

# The counted placements, with what every fact needs.
_PLACEMENTS = """SELECT placement_id, coalesce(organisation, '') AS organisation,
       coalesce(workplace, '') AS workplace, coalesce(placement_type, '') AS placement_type,
       coalesce(gender, '') AS gender, coalesce(age_band, '') AS age_band,
       coalesce(employment_rate, 0) AS rate, start_date AS s,
       GREATEST(coalesce(effective_end, start_date), start_date) AS e,
       end_date, coalesce(outcome, '') AS outcome,
       coalesce(duration_bucket, '') AS duration_bucket, certified, days_to_certificate
  FROM placements WHERE counted AND start_date IS NOT NULL"""

# Each fact (a row of ``facts``) at every span, under both workplace keys.
_SPREAD = """FROM ({facts}) f
 CROSS JOIN LATERAL (SELECT '' AS workplace UNION ALL
                     SELECT f.workplace WHERE f.workplace <> '') w
 CROSS JOIN (VALUES ('d'), ('m'), ('y')) AS sp(span)"""
_BUCKET = """CASE sp.span WHEN 'd' THEN f.day
                          WHEN 'm' THEN date_trunc('month', f.day)::date
                          ELSE date_trunc('year', f.day)::date END"""


def _ordinal(column: str) -> str:
    """Python's ``date.toordinal``."""
    return f"({column} - date '0001-01-01' + 1)::bigint"


_FACTS: dict[aggregates.Table, str] = {
    "activity_flows": f"""
        SELECT organisation, workplace, 'start' AS series, s AS day, placement_type, gender,
               age_band, 1 AS n, rate::bigint AS rate, rate * {_ordinal("s")} AS rate_day
          FROM p
        UNION ALL
        SELECT organisation, workplace, 'end', e, placement_type, gender, age_band, 1,
               rate::bigint, rate * {_ordinal("e")}
          FROM p
        UNION ALL
        SELECT organisation, workplace, 'ended', end_date, placement_type, gender, age_band,
               1, 0, 0
          FROM p WHERE end_date IS NOT NULL""",
    "trend_flows": """
        SELECT organisation, workplace, 'start' AS series, s AS day, 1 AS n FROM p
        UNION ALL SELECT organisation, workplace, 'end', e, 1 FROM p
        UNION ALL SELECT organisation, workplace, 'ended', end_date, 1
                    FROM p WHERE end_date IS NOT NULL""",
    "ended_flows": """
        SELECT organisation, workplace, end_date AS day, outcome, gender, age_band,
               duration_bucket, certified, 1 AS n
          FROM p WHERE end_date IS NOT NULL""",
    "certificate_days": """
        SELECT organisation, workplace, end_date AS day, days_to_certificate AS days, 1 AS n
          FROM p
         WHERE end_date IS NOT NULL AND certified AND days_to_certificate IS NOT NULL""",
    "value_added_flows": """
        SELECT p.organisation, p.workplace, v.series, v.day, v.stage, v.beneficiary,
               v.category, 1 AS n
          FROM p
          JOIN (SELECT DISTINCT placement_id, stage, beneficiary, category FROM value_added) c
            USING (placement_id)
         CROSS JOIN LATERAL (VALUES ('start', p.s, c.stage, c.beneficiary, c.category),
                                    ('end', p.e, c.stage, c.beneficiary, c.category))
               AS v(series, day, stage, beneficiary, category)""",
    "progression_flows": """
        SELECT p.organisation, p.workplace, p.end_date AS day, m.module, m.progression, 1 AS n
          FROM p JOIN module_progress m USING (placement_id)
         WHERE p.end_date IS NOT NULL""",
}


async def build(conn: asyncpg.Connection) -> None:
    """Replace the aggregates with what the stored placements contribute (in the caller's
    transaction), and mark them live: batches move them from now on."""
    await conn.execute(f"TRUNCATE {', '.join(aggregates.DIMENSIONS)}")
    for table, facts in _FACTS.items():
        dimensions = aggregates.DIMENSIONS[table]
        measures = aggregates.MEASURES[table]
        columns = [*aggregates.KEY_PREFIX, *dimensions, *measures]
        keys = len(aggregates.KEY_PREFIX) + len(dimensions)
        await conn.execute(
            f"""WITH p AS ({_PLACEMENTS})
                INSERT INTO {table} ({", ".join(columns)})
                SELECT f.organisation, w.workplace, sp.span, {_BUCKET},
                       {", ".join(f"f.{d}" for d in dimensions)},
                       {", ".join(f"sum(f.{m})" for m in measures)}
                  {_SPREAD.format(facts=facts)}
                 GROUP BY {", ".join(str(i) for i in range(1, keys + 1))}"""
        )
    await conn.execute("UPDATE projection_version SET aggregates_live = true")


async def live(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT aggregates_live FROM projection_version"))
