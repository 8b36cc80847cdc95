"""The simulator's plan: deterministic, city-wide, and valid against the API's own rules."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from datetime import date

from contracts.organisations import load_register
from contracts.reference import load_reference_data
from placements.domain.model import Placement
from placements.service import commands, handlers
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import CONTEXT, PlacementHandler, register, run
from tools.simulator import plan_year

REGISTER, REFERENCE = load_register(), load_reference_data()
COMMANDS: dict[str, type[commands.Command]] = {
    "planned-end": commands.ChangePlannedEnd,
    "assessment-rounds": commands.AssessModules,
    "value-added": commands.RecordValueAdded,
    "end": commands.EndPlacement,
    "corrections/assessments/{assessment}": commands.CorrectAssessment,
    "corrections/end": commands.CorrectEnd,
    "withdrawal": commands.Withdraw,
}


def test_the_same_seed_gives_the_same_year_and_another_seed_another() -> None:
    first = plan_year(7, 2026, 200, REGISTER, REFERENCE)
    assert first == plan_year(7, 2026, 200, REGISTER, REFERENCE)
    assert first != plan_year(8, 2026, 200, REGISTER, REFERENCE)


def test_a_city_year_has_every_forvaltning_outcome_and_both_age_bands() -> None:
    plans = plan_year(2026, 2026, 1500, REGISTER, REFERENCE)
    assert len(plans) == 1500
    assert {p.organisation for p in plans} == {a.code for a in REGISTER.administrations}
    outcomes = Counter(c.body["outcome"] for p in plans for c in p.commands if c.path == "end")
    assert set(outcomes) == {"A", "B", "C", "D", "E"}
    starts = {p.registration["start_date"][:4] for p in plans}
    assert starts == {"2025", "2026"}, "some placements cross into the year from the one before"
    births = [int(p.registration["participant"]["personnummer"][:4]) for p in plans]
    starts_year = [int(p.registration["start_date"][:4]) for p in plans]
    ages = [s - b for s, b in zip(starts_year, births, strict=True)]
    assert min(ages) <= 24 < max(ages)


def test_every_planned_request_passes_the_api_validation() -> None:
    for plan in plan_year(11, 2026, 300, REGISTER, REFERENCE):
        commands.RegisterPlacement.model_validate(plan.registration)
        for command in plan.commands:
            COMMANDS[command.path].model_validate(command.body)


async def test_every_planned_request_passes_the_plausibility_rules() -> None:
    """Played through the handlers with the plan's "today" as the service's clock: no date,
    duration, age or double registration the service would refuse."""
    today = date(2026, 9, 30)  # mid-year: nothing may end or be assessed after it
    ctx = dataclasses.replace(CONTEXT, today=lambda: today)
    by_path: dict[str, PlacementHandler] = {
        "planned-end": handlers.change_planned_end,
        "assessment-rounds": handlers.assess_modules,
        "value-added": handlers.record_value_added,
        "end": handlers.end_placement,
        "corrections/assessments/{assessment}": _correct_first_assessment,
        "corrections/end": handlers.correct_end,
        "withdrawal": handlers.withdraw,
    }
    uow = FakeUnitOfWork()
    for plan in plan_year(13, 2026, 300, REGISTER, REFERENCE, today):
        request = handlers.Request(organisation=plan.organisation, correlation_id=plan.key)
        registration = commands.RegisterPlacement.model_validate(plan.registration)
        placement = await register(uow, registration, request, ctx)
        for command in plan.commands:
            body = COMMANDS[command.path].model_validate(command.body)
            await run(uow, by_path[command.path], placement.id, body, request, ctx)
    assert len(uow.db.placements) == 300


async def _correct_first_assessment(
    uow: FakeUnitOfWork,
    ctx: handlers.Context,
    req: handlers.Request,
    placement_id: uuid.UUID,
    cmd: commands.CorrectAssessment,
) -> Placement:
    """The simulator's ``{assessment}``: the first assessment, as the API's answer names it."""
    first = (await uow.placements.get(req.organisation, placement_id)).assessments[0].id
    return await handlers.correct_assessment(uow, ctx, req, placement_id, first, cmd)


def test_a_year_has_a_few_corrections_and_withdrawals() -> None:
    paths = Counter(
        c.path for p in plan_year(2026, 2026, 1500, REGISTER, REFERENCE) for c in p.commands
    )
    assert 0 < paths["withdrawal"] < 30
    assert 0 < paths["corrections/end"] < paths["end"] / 10
    assert 0 < paths["corrections/assessments/{assessment}"] < 150
