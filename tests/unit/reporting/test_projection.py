"""The projection is a function of the set of events: any order, any batching, same rows; and
every correction and withdrawal changes it as the fold rule says (highest sequence wins per
fact, a withdrawal is final)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import Envelope, PlacementStarted, ValueAdded, value_added_entries
from contracts.reference import load_reference_data
from reporting.domain.projection import ModuleRow, PlacementRow, Projection
from tests.integration.reporting.corrections import (
    assessment_corrected_event,
    corrections,
    details_corrected_event,
    end_corrected_event,
    value_corrected_event,
    withdrawn_event,
)
from tests.integration.reporting.scenario import (
    P,
    assessed_event,
    ended_event,
    issued_event,
    scenario_events,
    started_event,
    updated_event,
    value_event,
)
from tests.unit.reporting.fakes import FakeProjectionUnitOfWork

REFERENCE = load_reference_data()
EVENTS = scenario_events()  # once: every call makes new event ids
CORRECTED = list({e.event_id: e for e in EVENTS + corrections(EVENTS)}.values())


async def project(events: list[Envelope], sizes: list[int]) -> dict[str, Any]:
    """Apply in batches of the given sizes (the last repeated), each loading and saving rows
    through the fake store as the service does; the stored tables."""
    uow = FakeProjectionUnitOfWork()
    position, index = 0, 0
    while position < len(events):
        size = sizes[min(index, len(sizes) - 1)]
        batch, position, index = events[position : position + size], position + size, index + 1
        async with uow:
            projection = Projection(REFERENCE, *await uow.load({e.placement_id for e in batch}))
            for event in batch:
                assert projection.apply(event) is None
            projection.refresh()
            await uow.save(projection)
            await uow.commit()
    state = uow.state
    return {
        "placements": state.placements,
        "certificates": state.certificates,
        "assessments": state.assessments,
        "modules": state.modules,
        "value_added": state.value_added,
    }


def fold(*events: Envelope) -> Projection:
    """One projection, the events applied in this order, refreshed."""
    projection = Projection(REFERENCE)
    for event in events:
        assert projection.apply(event) is None
    projection.refresh()
    return projection


def row(projection: Projection, name: str) -> PlacementRow:
    return projection.placements[P[name]]


def modules(projection: Projection, name: str) -> dict[str, tuple[str, str, int, str]]:
    rows: list[ModuleRow] = projection.modules.get(P[name], [])
    return {m.module: (m.first_level, m.last_level, m.assessments, m.progression) for m in rows}


def start(name: str = "P1", **terms: Any) -> PlacementStarted:
    defaults: dict[str, Any] = {
        "start": date(2026, 1, 1),
        "planned_end": date(2026, 6, 30),
        "rate": 100,
        "gender": "female",
        "age_band": "25_plus",
        "placement_type": "extratjanst",
    }
    return started_event(name, **{**defaults, **terms})


# --- order and batching ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "p4_planned_end"),
    # the highest sequence's planned end, whatever the order: the second extension (seq 4),
    # then the corrected terms (seq 6)
    [(EVENTS, date(2027, 11, 30)), (CORRECTED, date(2027, 5, 31))],
    ids=["recorded", "corrected"],
)
async def test_any_order_and_batching_gives_the_same_projection(
    events: list[Envelope], p4_planned_end: date
) -> None:
    events = list({e.event_id: e for e in events}.values())  # duplicates: the inbox's job
    rng = random.Random(7)
    expected = await project(events, [len(events)])
    for _ in range(10):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert await project(shuffled, [rng.randint(1, 6) for _ in range(40)]) == expected
    assert expected["placements"][P["P4"]].planned_end_date == p4_planned_end


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(CORRECTED),
    sizes=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=12),
)
async def test_corrections_and_withdrawals_in_any_order_give_the_same_projection(
    order: list[Envelope], sizes: list[int]
) -> None:
    assert await project(order, sizes) == await project(CORRECTED, [len(CORRECTED)])


# --- refusals -------------------------------------------------------------------------------


def test_refusals_leave_nothing_behind() -> None:
    projection = Projection(REFERENCE)
    assert projection.apply(start()) is None
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
    original = assessed_event("P1", 4, "sprak", "B1", date(2026, 2, 1))
    wrong = assessment_corrected_event("P1", 5, original, "sprak", "Z9", date(2026, 2, 1))
    assert projection.apply(wrong) == ("unknown_level", "module 'sprak' has no level 'Z9'")
    projection.refresh()
    p1 = row(projection, "P1")
    assert (p1.planned_end_date, p1.effective_end) == (date(2026, 6, 30), date(2026, 6, 30))
    assert projection.assessments == {}
    assert projection.modules == {}


def test_a_second_start_changes_nothing() -> None:
    again = start("P2", start=date(2026, 3, 1), rate=50, placement_type="lonebidrag")
    again = again.model_copy(update={"event_id": uuid.uuid4()})
    projection = fold(start("P2"), again)
    p2 = row(projection, "P2")
    assert (p2.start_date, p2.employment_rate, p2.placement_type) == (
        date(2026, 1, 1),
        100,
        "extratjanst",
    )


@pytest.mark.parametrize("first", ["B1", "B2"])
def test_first_and_last_assessment_by_date_then_sequence(first: str) -> None:
    early = assessed_event("P6", 2, "sprak", "B1", date(2026, 9, 15))
    late = assessed_event("P6", 3, "sprak", "B2", date(2026, 12, 1))
    projection = fold(*((early, late) if first == "B1" else (late, early)))
    assert modules(projection, "P6") == {"sprak": ("B1", "B2", 2, "improved")}


# --- corrections ----------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
def test_an_end_correction_replaces_the_end(reverse: bool) -> None:
    events = [
        start(),
        ended_event("P1", 2, date(2026, 6, 30), "E"),
        end_corrected_event("P1", 3, date(2026, 5, 31), "A"),
    ]
    projection = fold(*(reversed(events) if reverse else events))
    p1 = row(projection, "P1")
    assert (p1.end_date, p1.outcome, p1.effective_end, p1.duration_bucket) == (
        date(2026, 5, 31),
        "A",
        date(2026, 5, 31),
        "3_to_6",
    )


def test_a_later_end_wins_over_an_earlier_correction() -> None:
    """Highest sequence wins: a correction is just the next version of the fact."""
    projection = fold(
        start(),
        ended_event("P1", 4, date(2026, 6, 30), "B"),
        end_corrected_event("P1", 3, date(2026, 5, 31), "A"),
    )
    assert (row(projection, "P1").end_date, row(projection, "P1").outcome) == (
        date(2026, 6, 30),
        "B",
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_corrected_terms_win_whatever_arrives_first(reverse: bool) -> None:
    corrected = details_corrected_event(
        "P1", 3, date(2026, 2, 1), date(2026, 12, 31), 50, "up_to_24", "lonebidrag"
    )
    events = [start(), updated_event("P1", 2, date(2026, 9, 30)), corrected]
    projection = fold(*(reversed(events) if reverse else events))
    p1 = row(projection, "P1")
    assert (
        p1.placement_type,
        p1.age_band,
        p1.employment_rate,
        p1.start_date,
        p1.planned_end_date,
        p1.gender,  # not part of the terms: from the start
        p1.counted,
    ) == ("lonebidrag", "up_to_24", 50, date(2026, 2, 1), date(2026, 12, 31), "female", True)


def test_an_extension_after_a_terms_correction_moves_the_planned_end() -> None:
    corrected = details_corrected_event(
        "P1", 2, date(2026, 1, 1), date(2026, 8, 31), 100, "25_plus", "extratjanst"
    )
    projection = fold(updated_event("P1", 3, date(2026, 12, 31)), corrected, start())
    assert row(projection, "P1").planned_end_date == date(2026, 12, 31)


def test_corrected_terms_alone_do_not_count_a_placement() -> None:
    """Its start is not known yet (the stream will bring it): not counted, as before."""
    projection = fold(
        details_corrected_event(
            "P1", 2, date(2026, 1, 1), date(2026, 8, 31), 100, "25_plus", "extratjanst"
        )
    )
    assert not row(projection, "P1").counted


@pytest.mark.parametrize("reverse", [False, True])
def test_an_assessment_corrected_to_another_module_moves_there(reverse: bool) -> None:
    first = assessed_event("P1", 2, "sprak", "A2", date(2026, 2, 1))
    events = [
        start(),
        first,
        assessed_event("P1", 3, "sprak", "B1", date(2026, 4, 1)),
        assessment_corrected_event("P1", 4, first, "sociala-fardigheter", "2", date(2026, 2, 1)),
    ]
    projection = fold(*(reversed(events) if reverse else events))
    assert modules(projection, "P1") == {
        "sprak": ("B1", "B1", 1, "single"),
        "sociala-fardigheter": ("2", "2", 1, "single"),
    }


def test_a_module_left_without_assessments_disappears_in_a_later_batch() -> None:
    only = assessed_event("P1", 2, "sprak", "A2", date(2026, 2, 1))
    earlier = fold(start(), only)
    later = Projection(REFERENCE, earlier.placements.values(), (), earlier.assessments.values())
    moved = assessment_corrected_event("P1", 3, only, "praktiskt-kunnande", "3", date(2026, 2, 1))
    assert later.apply(moved) is None
    later.refresh()
    assert modules(later, "P1") == {"praktiskt-kunnande": ("3", "3", 1, "single")}


def test_a_level_correction_changes_the_progression_not_the_order() -> None:
    """Two assessments on one day: the one recorded later stays the last, even when the
    earlier one is corrected later."""
    a = assessed_event("P1", 2, "allmanna-kompetenser", "3", date(2026, 3, 10))
    b = assessed_event("P1", 3, "allmanna-kompetenser", "2", date(2026, 3, 10))
    projection = fold(
        start(),
        a,
        b,
        assessment_corrected_event("P1", 4, a, "allmanna-kompetenser", "1", date(2026, 3, 10)),
    )
    assert modules(projection, "P1") == {"allmanna-kompetenser": ("1", "2", 2, "improved")}


@pytest.mark.parametrize("reverse", [False, True])
def test_a_value_added_correction_replaces_the_entry(reverse: bool) -> None:
    started = start(
        planned=[ValueAdded(beneficiary="workplace", category="forstarkning-av-arbetslaget")]
    )
    [(planned_id, _, _)] = value_added_entries(started)
    recorded = value_event("P1", 2, "planned", "individual", "sprakutveckling")
    events = [
        started,
        recorded,
        value_corrected_event(
            "P1", 3, planned_id, "realised", "workplace", "okad-service-till-invanare"
        ),
        value_corrected_event(
            "P1", 4, recorded.event_id, "planned", "individual", "arbetslivserfarenhet"
        ),
    ]
    projection = fold(*(reversed(events) if reverse else events))
    assert sorted((v.stage, v.category) for v in projection.value_added.values()) == [
        ("planned", "arbetslivserfarenhet"),
        ("realised", "okad-service-till-invanare"),
    ]


# --- withdrawal -----------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 2, 4])
def test_a_withdrawn_placement_counts_nowhere_whatever_arrives_after(position: int) -> None:
    events: list[Envelope] = [
        start(),
        assessed_event("P1", 2, "sprak", "A2", date(2026, 2, 1)),
        ended_event("P1", 3, date(2026, 5, 31), "A"),
        issued_event("P1", 1, uuid.UUID(int=101), datetime(2026, 6, 10, 8, tzinfo=UTC)),
    ]
    events.insert(position, withdrawn_event("P1", 4))
    projection = fold(*events)
    p1 = row(projection, "P1")
    assert p1.withdrawn
    assert not p1.counted  # every figure counts `counted` rows only (adapters/queries.py)
