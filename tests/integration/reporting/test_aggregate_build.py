"""The two ways the aggregates are made give the same rows: batch by batch while the service is
live (each changed placement's new contribution less its old, in Python), and in one SQL pass
over the placements once a replay has caught up. Proven on the corrected city, published in
small batches while the consumer runs, so that corrections overtake their originals and
placements change across many batches."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from reporting.adapters import aggregate_build
from reporting.domain import aggregates
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import TARGETS_2026
from tests.integration.reporting.test_corrections import corrected_stream
from tests.support import eventually

pytestmark = pytest.mark.integration


async def stored(conn: asyncpg.Connection) -> dict[str, set[tuple[Any, ...]]]:
    """Every aggregate row that counts something (batches may leave rows at zero)."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    for table, measures in aggregates.MEASURES.items():
        counts = " OR ".join(f"{m} <> 0" for m in measures)
        rows = await conn.fetch(f"SELECT * FROM {table} WHERE {counts}")
        tables[table] = {tuple(row.values()) for row in rows}
    return tables


async def test_the_batches_and_the_one_pass_build_give_the_same_aggregates(
    reporting: Reporting,
) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    reporting.start()
    async with reporting.pool.acquire() as conn:
        await _until_live(reporting, conn)
    stream = corrected_stream()
    for first in range(0, len(stream), 7):  # small batches, each applied live
        await reporting.publish(stream[first : first + 7])
        await reporting.caught_up()
    async with reporting.pool.acquire() as conn:
        assert await aggregate_build.live(conn)  # so the batches moved them
        by_batches = await stored(conn)
        async with conn.transaction():
            await aggregate_build.build(conn)
            in_one_pass = await stored(conn)

    assert all(by_batches.values())  # every table has something to compare
    assert by_batches == in_one_pass


async def _until_live(service: Reporting, conn: asyncpg.Connection) -> None:
    """The consumer, idle on the empty stream, has built the (empty) aggregates: from now on
    batches move them."""

    async def live() -> bool:
        return await aggregate_build.live(conn)

    await eventually(live, within=30)
