"""The simulator against the real placements service (in-process), twice."""

from __future__ import annotations

import pytest

from contracts.organisations import load_register
from contracts.reference import load_reference_data
from tests.integration.placements.conftest import ORGANISATIONS, Placements
from tools.simulator import Command, plan_year, play

pytestmark = pytest.mark.integration


def events_of(command: Command) -> int:
    """City-wide events a command causes: one per module of an assessment round."""
    return len(command.body["modules"]) if command.path == "assessment-rounds" else 1


async def test_a_planned_year_plays_and_replaying_it_changes_nothing(
    placements: Placements,
) -> None:
    plans = [p for p in plan_year(5, 2026, 120, load_register(), load_reference_data())
             if p.organisation in ORGANISATIONS]  # fmt: skip
    async with placements.client(None) as client:
        done = await play(plans, client, placements.tokens, concurrency=4)
        events = len(await placements.published())
        again = await play(plans, client, placements.tokens, concurrency=4)
    assert done == again
    assert done["registered"] == len(plans) > 0
    assert events == sum(1 + sum(events_of(c) for c in p.commands) for p in plans)
    assert await placements.published() == [], "a replay publishes nothing new"
