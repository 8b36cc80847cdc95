"""The aggregates that the batches move in SQL are what the domain says the stored placements
contribute (``aggregates.facts``, in Python), and what the one-pass build makes of them.
Proven on the corrected city, published in small batches while the consumer runs, so that
corrections overtake their originals and placements change across many batches."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from reporting.adapters import aggregate_store, projection_store
from reporting.domain import aggregates
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import TARGETS_2026
from tests.integration.reporting.test_corrections import corrected_stream
from tests.unit.reporting.test_aggregates import recount

pytestmark = pytest.mark.integration

Rows = dict[str, set[tuple[Any, ...]]]


async def stored(conn: asyncpg.Connection) -> Rows:
    """Every aggregate row that counts something (batches may leave rows at zero)."""
    tables: Rows = {}
    for table, measures in aggregates.MEASURES.items():
        counts = " OR ".join(f"{m} <> 0" for m in measures)
        rows = await conn.fetch(f"SELECT * FROM {table} WHERE {counts}")
        tables[table] = {tuple(row.values()) for row in rows}
    return tables


async def recomputed(conn: asyncpg.Connection) -> Rows:
    """The domain's contributions of every stored placement, as aggregate rows."""
    ids = [r["placement_id"] for r in await conn.fetch("SELECT placement_id FROM placements")]
    loaded = await projection_store.load(conn, ids)
    tables: Rows = {table: set() for table in aggregates.MEASURES}
    for (table, *prefix, dimensions), sums in recount(
        loaded.placements, loaded.assessments, loaded.value_added
    ).items():
        tables[table].add((*prefix, *dimensions, *sums))
    return tables


async def test_the_batches_move_the_aggregates_as_the_domain_counts_the_placements(
    reporting: Reporting,
) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    reporting.start()
    stream = corrected_stream()
    for first in range(0, len(stream), 7):  # small batches, each moving the aggregates
        await reporting.publish(stream[first : first + 7])
        await reporting.caught_up()
    async with reporting.pool.acquire() as conn:
        by_batches = await stored(conn)
        by_the_domain = await recomputed(conn)
        async with conn.transaction():
            await aggregate_store.build(conn)
            in_one_pass = await stored(conn)

    assert all(by_batches.values())  # every table has something to compare
    assert by_batches == by_the_domain
    assert in_one_pass == by_the_domain
