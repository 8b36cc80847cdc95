"""The aggregates, moved in SQL: a batch subtracts what its changed placements contributed as
stored before it and adds what they contribute once saved, each in one statement for all the
tables; ``build`` makes them in one pass from every stored placement (for a projection filled
some other way, such as the bench's).

The contributions are those of ``reporting.domain.aggregates.facts``, written as set
operations: a placement counts once started and not withdrawn; its effective end is never
before its start; every fact is summed at three spans and under the workplace and the
förvaltning's total. In SQL rather than in Python because a batch's contributions are a few
thousand rows: computing, sending and upserting them one by one cost more than the batch's
fold. ``tests/integration/reporting/test_aggregate_store.py`` checks both ways against
``facts`` over the stored placements."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from functools import cache

import asyncpg

from reporting.domain import aggregates
from reporting.domain.aggregates import Sign

# The counted placements (a batch's, or all), with what every fact needs.
_PLACEMENTS = """SELECT placement_id, coalesce(organisation, '') AS organisation,
       coalesce(workplace, '') AS workplace, coalesce(placement_type, '') AS placement_type,
       coalesce(gender, '') AS gender, coalesce(age_band, '') AS age_band,
       coalesce(employment_rate, 0) AS rate, start_date AS s,
       GREATEST(coalesce(effective_end, start_date), start_date) AS e,
       end_date, coalesce(outcome, '') AS outcome,
       coalesce(duration_bucket, '') AS duration_bucket, certified, days_to_certificate
  FROM placements WHERE counted AND start_date IS NOT NULL AND {only}"""
# Which placements: a batch's, named in every table read (from ``p`` alone, the planner cannot
# tell how few they are, and scans the whole of the others), or all.
_BATCH = "placement_id = ANY($1::uuid[])"

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
          JOIN (SELECT DISTINCT placement_id, stage, beneficiary, category FROM value_added
                 WHERE {only}) c USING (placement_id)
         CROSS JOIN LATERAL (VALUES ('start', p.s, c.stage, c.beneficiary, c.category),
                                    ('end', p.e, c.stage, c.beneficiary, c.category))
               AS v(series, day, stage, beneficiary, category)""",
    "progression_flows": """
        SELECT p.organisation, p.workplace, p.end_date AS day, m.module, m.progression, 1 AS n
          FROM p JOIN module_progress m USING (placement_id)
         WHERE p.end_date IS NOT NULL AND {only_m}""",
}


async def build(conn: asyncpg.Connection) -> None:
    """Replace the aggregates with what the stored placements contribute (in the caller's
    transaction)."""
    await conn.execute(f"TRUNCATE {', '.join(aggregates.DIMENSIONS)}")
    await conn.execute(_statement(batch=False))


async def add(conn: asyncpg.Connection, placement_ids: Collection[uuid.UUID], sign: Sign) -> None:
    """Add (sign 1) or subtract (−1) what these placements contribute as stored now."""
    if placement_ids:
        await conn.execute(_statement(batch=True), list(placement_ids), sign)


@cache
def _statement(*, batch: bool) -> str:
    """Every table's contributions of the placements (a batch's, or all), summed into it."""
    moves = ",\n".join(
        f"{table}_moved AS ({_insert(table, facts, batch=batch)})"
        for table, facts in _FACTS.items()
    )
    statement = f"WITH p AS ({_PLACEMENTS}),\n{moves}\nSELECT 1"
    if batch:
        return statement.format(only=_BATCH, only_m=f"m.{_BATCH}")
    return statement.format(only="true", only_m="true")


def _insert(table: aggregates.Table, facts: str, *, batch: bool) -> str:
    """A batch's rows are added to those stored, in key order, so the index is walked in
    sequence (only the consumer that holds the lead writes them); a build's go into empty
    tables."""
    dimensions = aggregates.DIMENSIONS[table]
    measures = aggregates.MEASURES[table]
    key = [*aggregates.KEY_PREFIX, *dimensions]
    groups = ", ".join(str(i) for i in range(1, len(key) + 1))
    # the primary key's order: workplace, span, bucket, organisation, then the dimensions
    index_order = ", ".join(str(i) for i in (2, 3, 4, 1, *range(5, len(key) + 1)))
    sign = "$2::int * " if batch else ""
    statement = f"""INSERT INTO {table} AS t ({", ".join([*key, *measures])})
        SELECT f.organisation, w.workplace, sp.span, {_BUCKET},
               {", ".join(f"f.{d}" for d in dimensions)},
               {", ".join(f"{sign}sum(f.{m})" for m in measures)}
          {_SPREAD.format(facts=facts)}
         GROUP BY {groups}"""
    if not batch:
        return statement
    return f"""{statement} ORDER BY {index_order}
        ON CONFLICT ({", ".join(key)})
        DO UPDATE SET {", ".join(f"{m} = t.{m} + EXCLUDED.{m}" for m in measures)}"""
