"""Each command on a registered placement, through its handler, on the in-memory fakes:
what it records, what it emits, and every rule that refuses it (with nothing committed)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import ModuleAssessed, PlacementEnded, PlacementUpdated, ValueAddedRecorded
from placements.domain.errors import PlacementNotFound, RuleViolation
from placements.domain.model import Placement
from placements.service import commands, handlers
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    KF,
    PlacementHandler,
    assessment,
    assessment_round,
    register,
    run,
)


async def registered() -> tuple[FakeUnitOfWork, Placement]:
    uow = FakeUnitOfWork()
    return uow, await register(uow)  # starts 2026-01-12, planned end 2026-12-31


async def refused(
    uow: FakeUnitOfWork,
    handler: PlacementHandler,
    placement_id: uuid.UUID,
    command: commands.Command,
) -> RuleViolation:
    """The rule that refused the command; nothing of it was committed."""
    committed, stored = len(uow.committed), uow.db.placements[placement_id]
    with pytest.raises(RuleViolation) as violation:
        await run(uow, handler, placement_id, command)
    assert len(uow.committed) == committed
    assert uow.db.placements[placement_id] == stored
    return violation.value


END = commands.EndPlacement.model_validate({"end_date": "2026-06-30", "outcome": "A"})

# --- planned end ------------------------------------------------------------------------------


async def test_the_planned_end_changes_with_its_reason() -> None:
    uow, placement = await registered()
    command = commands.ChangePlannedEnd.model_validate(
        {"planned_end_date": "2027-03-31", "reason": "Förlängd"}
    )
    changed = await run(uow, handlers.change_planned_end, placement.id, command)
    assert str(changed.terms.planned_end_date) == "2027-03-31"
    event = uow.committed[-1]
    assert isinstance(event, PlacementUpdated)
    assert (str(event.payload.planned_end_date), event.payload.reason) == ("2027-03-31", "Förlängd")
    assert event.sequence == 2
    assert str(uow.db.placements[placement.id].terms.planned_end_date) == "2027-03-31"


async def test_the_planned_end_may_move_earlier_but_not_before_the_start() -> None:
    uow, placement = await registered()
    earlier = commands.ChangePlannedEnd.model_validate({"planned_end_date": "2026-01-12"})
    await run(uow, handlers.change_planned_end, placement.id, earlier)

    too_early = commands.ChangePlannedEnd.model_validate({"planned_end_date": "2026-01-11"})
    violation = await refused(uow, handlers.change_planned_end, placement.id, too_early)
    assert (violation.field, violation.rule) == ("planned_end_date", "dates_in_order")


# --- mervärde ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["planned", "realised"])
async def test_mervarde_is_recorded_planned_or_realised(stage: str) -> None:
    uow, placement = await registered()
    command = commands.RecordValueAdded.model_validate(
        {
            "stage": stage,
            "beneficiary": "individual",
            "category": "sprakutveckling",
            "description": "Från A2 till B1",
        }
    )
    recorded = await run(uow, handlers.record_value_added, placement.id, command)
    assert [(v.stage, v.category) for v in recorded.value_added] == [
        ("planned", "okad-service-till-invanare"),
        (stage, "sprakutveckling"),
    ]
    event = uow.committed[-1]
    assert isinstance(event, ValueAddedRecorded)
    assert event.payload.stage == stage
    assert event.payload.value_added.description == "Från A2 till B1"
    assert event.sequence == 2


def test_mervarde_is_realised_unless_said_otherwise() -> None:
    command = commands.RecordValueAdded.model_validate(
        {"beneficiary": "workplace", "category": "forstarkning-av-arbetslaget"}
    )
    assert command.stage == "realised"


@pytest.mark.parametrize(
    ("beneficiary", "category", "says"),
    [
        ("individual", "simning", "unknown mervärde category 'simning' for individual"),
        ("workplace", "sprakutveckling", "is for the individual, not the workplace"),
    ],
)
async def test_mervarde_is_a_category_of_its_beneficiary(
    beneficiary: str, category: str, says: str
) -> None:
    uow, placement = await registered()
    command = commands.RecordValueAdded.model_validate(
        {"beneficiary": beneficiary, "category": category}
    )
    violation = await refused(uow, handlers.record_value_added, placement.id, command)
    assert (violation.field, violation.rule) == ("category", "reference_data")
    assert says in violation.message


# --- assessments ------------------------------------------------------------------------------


async def test_an_assessment_is_recorded_and_emitted_without_the_assessors_name() -> None:
    uow, placement = await registered()
    command = assessment(comment="Tar egna initiativ.")
    assessed = await run(uow, handlers.assess_module, placement.id, command)
    [recorded] = assessed.assessments
    assert (recorded.module, recorded.level, recorded.criteria_met) == (
        "sprak",
        "B1",
        ("sprak.muntlig-interaktion",),
    )
    event = uow.committed[-1]
    assert isinstance(event, ModuleAssessed)
    assert event.payload.assessor_role == "handledare"
    assert event.payload.comment == "Tar egna initiativ."
    assert str(event.payload.assessed_on) == "2026-03-01"
    assert event.sequence == 2


async def test_assessments_repeat_to_show_progression() -> None:
    uow, placement = await registered()
    await run(uow, handlers.assess_module, placement.id, assessment(level="A2"))
    later = await run(uow, handlers.assess_module, placement.id, assessment(level="B1"))
    assert [a.level for a in later.assessments] == ["A2", "B1"]
    assert [e.sequence for e in uow.committed[2:]] == [2, 3]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"module": "simning", "level": "1", "criteria_met": []}, "module", "reference_data"),
        ({"level": "3"}, "level", "reference_data"),  # sprak is on the CEFR scale
        (
            {"module": "sociala-fardigheter", "level": "B1", "criteria_met": []},
            "level",
            "reference_data",
        ),
        ({"criteria_met": ["sprak.simma"]}, "criteria_met", "reference_data"),
        ({"criteria_met": ["sociala-fardigheter.samarbete"]}, "criteria_met", "reference_data"),
        ({"assessed_on": "2026-01-11"}, "assessed_on", "dates_in_order"),
    ],
)
async def test_an_assessment_follows_the_module_catalogue_and_the_placement(
    overrides: dict[str, Any], field: str, rule: str
) -> None:
    uow, placement = await registered()
    violation = await refused(uow, handlers.assess_module, placement.id, assessment(**overrides))
    assert (violation.field, violation.rule) == (field, rule)


async def test_an_assessment_on_the_first_day_is_in_the_placement() -> None:
    uow, placement = await registered()
    command = assessment(assessed_on="2026-01-12")
    assert len((await run(uow, handlers.assess_module, placement.id, command)).assessments) == 1


# --- assessment rounds ------------------------------------------------------------------------


async def test_a_round_records_every_module_with_one_event_each() -> None:
    uow, placement = await registered()
    assessed = await run(uow, handlers.assess_modules, placement.id, assessment_round())
    assert [(a.module, a.level, a.assessor) for a in assessed.assessments] == [
        ("sprak", "B1", "handledare"),
        ("sociala-fardigheter", "3", "handledare"),
    ]
    assert assessed.assessments[1].comment == "Samarbetar väl."
    events = uow.committed[2:]
    assert all(isinstance(e, ModuleAssessed) for e in events)
    assert [e.sequence for e in events] == [2, 3]
    assert {str(e.payload.assessed_on) for e in events if isinstance(e, ModuleAssessed)} == {
        "2026-04-01"
    }


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"module": "sprak2", "level": "1"}, "modules.1.module"),
        ({"module": "allmanna-kompetenser", "level": "B2"}, "modules.1.level"),
        (
            {"module": "allmanna-kompetenser", "level": "2", "criteria_met": ["sprak.simma"]},
            "modules.1.criteria_met",
        ),
    ],
)
async def test_a_round_is_all_or_none_and_names_the_module(
    second: dict[str, Any], field: str
) -> None:
    uow, placement = await registered()
    first = {"module": "sprak", "level": "B1"}
    command = assessment_round(first, second)
    violation = await refused(uow, handlers.assess_modules, placement.id, command)
    assert (violation.field, violation.rule) == (field, "reference_data")
    assert uow.db.placements[placement.id].assessments == []


async def test_a_round_on_a_day_outside_the_placement_is_refused_as_a_whole() -> None:
    uow, placement = await registered()
    command = assessment_round(assessed_on="2026-01-01")
    violation = await refused(uow, handlers.assess_modules, placement.id, command)
    assert (violation.field, violation.rule) == ("assessed_on", "dates_in_order")


def test_a_round_assesses_each_module_once() -> None:
    module = {"module": "sprak", "level": "B1"}
    with pytest.raises(ValidationError) as invalid:
        assessment_round(module, module)
    assert invalid.value.errors()[0]["type"] == "unique_modules"


# --- ending -----------------------------------------------------------------------------------


async def test_ending_records_the_outcome() -> None:
    uow, placement = await registered()
    ended = await run(uow, handlers.end_placement, placement.id, END)
    assert (ended.status, str(ended.end_date), ended.outcome) == ("ended", "2026-06-30", "A")
    event = uow.committed[-1]
    assert isinstance(event, PlacementEnded)
    assert (str(event.payload.end_date), event.payload.outcome) == ("2026-06-30", "A")
    assert uow.db.placements[placement.id].status == "ended"


async def test_a_placement_may_end_on_its_first_day_or_after_the_planned_end() -> None:
    for day in ("2026-01-12", "2027-02-01"):
        uow, placement = await registered()
        command = commands.EndPlacement.model_validate({"end_date": day, "outcome": "E"})
        assert (await run(uow, handlers.end_placement, placement.id, command)).status == "ended"


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"end_date": "2026-06-30", "outcome": "F"}, "outcome", "reference_data"),
        ({"end_date": "2026-01-11", "outcome": "A"}, "end_date", "dates_in_order"),
    ],
)
async def test_an_ending_has_a_known_outcome_and_follows_the_start(
    body: dict[str, str], field: str, rule: str
) -> None:
    uow, placement = await registered()
    command = commands.EndPlacement.model_validate(body)
    violation = await refused(uow, handlers.end_placement, placement.id, command)
    assert (violation.field, violation.rule) == (field, rule)


AFTER_THE_END: list[tuple[PlacementHandler, commands.Command, str]] = [
    (
        handlers.change_planned_end,
        commands.ChangePlannedEnd.model_validate({"planned_end_date": "2026-12-01"}),
        "planned_end_date",
    ),
    (
        handlers.record_value_added,
        commands.RecordValueAdded.model_validate(
            {"beneficiary": "individual", "category": "sprakutveckling"}
        ),
        "category",
    ),
    (handlers.assess_module, assessment(assessed_on="2026-05-01"), "module"),
    (handlers.assess_modules, assessment_round(assessed_on="2026-05-01"), "module"),
    (handlers.end_placement, END, "end_date"),
]


@pytest.mark.parametrize(("handler", "command", "field"), AFTER_THE_END)
async def test_nothing_changes_after_the_end(
    handler: PlacementHandler, command: commands.Command, field: str
) -> None:
    uow, placement = await registered()
    ended = commands.EndPlacement.model_validate({"end_date": "2026-05-31", "outcome": "D"})
    await run(uow, handlers.end_placement, placement.id, ended)
    violation = await refused(uow, handler, placement.id, command)
    assert (violation.field, violation.rule) == (field, "placement_ended")
    assert "2026-05-31" in violation.message
    assert uow.db.placements[placement.id].sequence == 2


# --- another förvaltning ----------------------------------------------------------------------

ANY_COMMAND = [(handler, command) for handler, command, _ in AFTER_THE_END]


@pytest.mark.parametrize(("handler", "command"), ANY_COMMAND)
async def test_another_forvaltnings_placement_is_not_found(
    handler: PlacementHandler, command: commands.Command
) -> None:
    uow, placement = await registered()
    with pytest.raises(PlacementNotFound):
        await run(uow, handler, placement.id, command, req=KF)
    assert len(uow.committed) == 2
    assert uow.db.placements[placement.id].sequence == 1


@pytest.mark.parametrize(("handler", "command"), ANY_COMMAND)
async def test_an_unknown_placement_is_not_found(
    handler: PlacementHandler, command: commands.Command
) -> None:
    uow, _ = await registered()
    with pytest.raises(PlacementNotFound):
        await run(uow, handler, uuid.uuid4(), command)
