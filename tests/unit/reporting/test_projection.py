"""The projection is a function of the set of events: any order, any batching, same rows."""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import astuple
from datetime import date
from typing import Any

import pytest

from contracts.events import Envelope
from contracts.reference import load_reference_data
from reporting.domain.projection import Projection
from tests.integration.reporting.scenario import (
    P,
    assessed_event,
    scenario_events,
    started_event,
    updated_event,
)

REFERENCE = load_reference_data()


def project(events: list[Envelope], rng: random.Random) -> dict[str, Any]:
    """Apply in random batches, each loading and saving rows as the service does."""
    store: dict[str, dict[Any, Any]] = {"placements": {}, "certificates": {}, "modules": {}}
    value_added: set[Any] = set()
    position = 0
    while position < len(events):
        size = rng.randint(1, 6)
        batch, position = events[position : position + size], position + size
        touched = {e.placement_id for e in batch}
        projection = Projection(
            REFERENCE,
            [copy.copy(r) for i, r in store["placements"].items() if i in touched],
            [copy.copy(c) for c in store["certificates"].values() if c.placement_id in touched],
            [copy.copy(m) for k, m in store["modules"].items() if k[0] in touched],
        )
        for event in batch:
            assert projection.apply(event) is None
        projection.refresh()
        for i in projection.changed_placements:
            store["placements"][i] = projection.placements[i]
        for i in projection.changed_certificates:
            store["certificates"][i] = projection.certificates[i]
        for k in projection.changed_modules:
            store["modules"][k] = projection.modules[k]
        value_added |= projection.value_added
    return {
        **{name: {k: astuple(v) for k, v in rows.items()} for name, rows in store.items()},
        "value_added": value_added,
    }


def test_any_order_and_batching_gives_the_same_projection() -> None:
    events = list({e.event_id: e for e in scenario_events()}.values())  # duplicates: inbox's job
    rng = random.Random(7)
    expected = project(events, rng)
    for _ in range(25):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert project(shuffled, rng) == expected
    p4 = expected["placements"][P["P4"]]
    assert date(2027, 11, 30) in p4  # the highest sequence's planned end, whatever the order


def test_refusals_leave_nothing_behind() -> None:
    projection = Projection(REFERENCE)
    assert (
        projection.apply(
            started_event(
                "P1", date(2026, 1, 1), date(2026, 6, 30), 100, "female", "25_plus", "extratjanst"
            )
        )
        is None
    )
    foreign = updated_event("P1", 2, date(2026, 12, 31)).model_copy(update={"producer": "kf"})
    refusal = projection.apply(foreign)
    assert refusal is not None
    assert refusal.reason == "foreign_placement"
    assert projection.apply(assessed_event("P1", 3, "sprak", "Z9", date(2026, 2, 1))) == (
        "unknown_level",
        "module 'sprak' has no level 'Z9'",
    )
    assert (
        projection.apply(assessed_event("P1", 3, "okand-modul", "1", date(2026, 2, 1))) is not None
    )
    projection.refresh()
    row = projection.placements[P["P1"]]
    assert (row.planned_end_date, row.effective_end) == (date(2026, 6, 30), date(2026, 6, 30))
    assert projection.modules == {}


def test_a_second_start_changes_nothing() -> None:
    projection = Projection(REFERENCE)
    projection.apply(
        started_event(
            "P2", date(2026, 1, 1), date(2026, 6, 30), 50, "male", "25_plus", "extratjanst"
        )
    )
    again = started_event(
        "P2", date(2026, 3, 1), date(2026, 9, 30), 100, "female", "up_to_24", "lonebidrag"
    )
    projection.apply(again.model_copy(update={"event_id": uuid.uuid4()}))
    row = projection.placements[P["P2"]]
    assert (row.start_date, row.employment_rate, row.placement_type) == (
        date(2026, 1, 1),
        50,
        "extratjanst",
    )


@pytest.mark.parametrize("first", ["B1", "B2"])
def test_first_and_last_assessment_by_date_then_sequence(first: str) -> None:
    projection = Projection(REFERENCE)
    early = assessed_event("P6", 2, "sprak", "B1", date(2026, 9, 15))
    late = assessed_event("P6", 3, "sprak", "B2", date(2026, 12, 1))
    for event in (early, late) if first == "B1" else (late, early):
        projection.apply(event)
    [row] = projection.modules.values()
    assert (row.first_level, row.last_level, row.assessments, row.progression) == (
        "B1",
        "B2",
        2,
        "improved",
    )
