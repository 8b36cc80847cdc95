"""Plausibility rules through the handlers: each refusal names the field and the rule, and
leaves nothing stored and nothing to publish. "Today" is the tests' pinned clock."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

from placements.domain.errors import OverlappingPlacement, RuleViolation
from placements.domain.plausibility import Plausibility
from placements.service import commands, handlers
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    CONTEXT,
    KF,
    SF,
    TODAY,
    assessment,
    assessment_round,
    register,
    registration,
    run,
)
from tools.samples import personnummer


async def register_in(
    uow: FakeUnitOfWork, command: commands.RegisterPlacement, ctx: handlers.Context
) -> None:
    async with uow:
        await handlers.register_placement(uow, ctx, SF, command)
        await uow.commit()


async def refused(
    uow: FakeUnitOfWork, command: commands.RegisterPlacement, ctx: handlers.Context = CONTEXT
) -> RuleViolation:
    """The registration's refusal; nothing reached the (fake) database or its outbox."""
    stored, sent = dict(uow.db.placements), list(uow.committed)
    with pytest.raises(RuleViolation) as error:
        await register_in(uow, command, ctx)
    assert (uow.db.placements, uow.committed) == (stored, sent)
    return error.value


async def refused_on(uow: FakeUnitOfWork, handler: Any, command: Any) -> RuleViolation:
    """A command on a registered placement refused, with nothing committed."""
    placement = await register(uow)
    stored, sent = dict(uow.db.placements), list(uow.committed)
    with pytest.raises(RuleViolation) as error:
        await run(uow, handler, placement.id, command)
    assert (uow.db.placements, uow.committed) == (stored, sent)
    return error.value


def rule(error: RuleViolation) -> tuple[str, str]:
    return error.field, error.rule


@pytest.mark.parametrize(
    ("start", "accepted"),
    [
        (date(2022, 6, 30), True),  # exactly five years back
        (date(2022, 6, 29), False),
        (date(2027, 12, 30), True),  # exactly six months ahead
        (date(2027, 12, 31), False),
        (date(1, 1, 1), False),
    ],
)
async def test_the_start_is_within_five_years_back_and_six_months_ahead(
    start: date, accepted: bool
) -> None:
    command = registration(
        start_date=start.isoformat(), planned_end_date=(start + timedelta(days=90)).isoformat()
    )
    uow = FakeUnitOfWork()
    if accepted:
        await register(uow, command)
    else:
        assert rule(await refused(uow, command)) == ("start_date", "start_date_window")


async def test_the_start_window_is_a_setting() -> None:
    narrow = dataclasses.replace(CONTEXT, rules=Plausibility(start_years_back=1))
    command = registration(start_date="2026-01-12", planned_end_date="2026-06-30")
    error = await refused(FakeUnitOfWork(), command, narrow)
    assert rule(error) == ("start_date", "start_date_window")
    assert "2026-06-30–2027-12-30" in error.message


@pytest.mark.parametrize(
    ("placement_type", "planned_end", "accepted"),
    [
        ("extratjanst", "2027-01-12", True),  # twelve months from 2026-01-12
        ("extratjanst", "2027-01-13", False),
        ("kommunal-arbetsmarknadsanstallning", "2027-01-13", False),
        ("introduktionsjobb", "2028-01-12", True),
        ("introduktionsjobb", "2028-01-13", False),
        ("trygghetsanstallning", "2036-01-12", True),  # no limit in the rules
        ("extratjanst", "9999-12-31", False),
    ],
)
async def test_the_planned_end_is_within_the_types_maximum_duration(
    placement_type: str, planned_end: str, accepted: bool
) -> None:
    command = registration(placement_type=placement_type, planned_end_date=planned_end)
    uow = FakeUnitOfWork()
    if accepted:
        await register(uow, command)
    else:
        error = await refused(uow, command)
        assert rule(error) == ("planned_end_date", "max_duration")
        assert "12 months" in error.message or "24 months" in error.message


async def test_an_extension_may_reach_the_total_with_extensions_but_not_beyond() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)  # an extratjänst from 2026-01-12: 24 months in total
    extended = await run(
        uow,
        handlers.change_planned_end,
        placement.id,
        commands.ChangePlannedEnd(planned_end_date=date(2028, 1, 12)),
    )
    assert extended.terms.planned_end_date == date(2028, 1, 12)
    error = await refused_on(
        FakeUnitOfWork(),
        handlers.change_planned_end,
        commands.ChangePlannedEnd(planned_end_date=date(2028, 1, 13)),
    )
    assert rule(error) == ("planned_end_date", "max_duration")
    assert "24 months in total" in error.message


async def test_the_actual_end_is_not_after_today() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)
    ended = await run(
        uow,
        handlers.end_placement,
        placement.id,
        commands.EndPlacement(end_date=TODAY, outcome="A"),
    )
    assert ended.end_date == TODAY
    tomorrow = commands.EndPlacement(end_date=TODAY + timedelta(days=1), outcome="A")
    error = await refused_on(FakeUnitOfWork(), handlers.end_placement, tomorrow)
    assert rule(error) == ("end_date", "future_date")


async def test_an_assessment_is_not_in_the_future() -> None:
    ahead = assessment(assessed_on=(TODAY + timedelta(days=1)).isoformat())
    error = await refused_on(FakeUnitOfWork(), handlers.assess_module, ahead)
    assert rule(error) == ("assessed_on", "future_date")


async def test_an_assessment_may_follow_the_planned_end_by_the_grace_period_only() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)  # planned end 2026-12-31, grace 30 days
    late = assessment(assessed_on="2027-01-30")
    assessed = await run(uow, handlers.assess_module, placement.id, late)
    assert assessed.assessments[-1].assessed_on == date(2027, 1, 30)
    too_late = assessment(assessed_on="2027-01-31")
    error = await refused_on(FakeUnitOfWork(), handlers.assess_module, too_late)
    assert rule(error) == ("assessed_on", "after_placement")
    round_too_late = assessment_round(assessed_on="2027-01-31")
    error = await refused_on(FakeUnitOfWork(), handlers.assess_modules, round_too_late)
    assert rule(error) == ("assessed_on", "after_placement")


@pytest.mark.parametrize(
    ("born", "accepted"),
    [
        ("20100112", True),  # 16 on the start day, 2026-01-12
        ("20100113", False),  # 15
        ("19580113", True),  # 67
        ("19580112", False),  # 68 on the start day
    ],
)
async def test_the_participant_is_16_to_67_at_the_start(born: str, accepted: bool) -> None:
    person = {"personnummer": personnummer(born), "given_name": "A", "family_name": "B"}
    command = registration(participant=person)
    uow = FakeUnitOfWork()
    if accepted:
        await register(uow, command)
    else:
        error = await refused(uow, command)
        assert rule(error) == ("participant.personnummer", "age_range")
        assert personnummer(born) not in error.message


async def test_the_age_range_is_a_setting() -> None:
    strict = dataclasses.replace(CONTEXT, rules=Plausibility(max_age=25))
    error = await refused(FakeUnitOfWork(), registration(), strict)  # Amina is 26
    assert rule(error) == ("participant.personnummer", "age_range")


async def test_a_second_active_placement_over_the_same_time_names_the_first() -> None:
    uow = FakeUnitOfWork()
    first = await register(uow)
    stored, sent = dict(uow.db.placements), list(uow.committed)
    with pytest.raises(OverlappingPlacement) as error:
        await register(uow, registration(start_date="2026-06-01", planned_end_date="2027-03-31"))
    assert error.value.existing == first.id
    assert str(first.id) in str(error.value)
    assert (uow.db.placements, uow.committed) == (stored, sent)


async def test_an_intended_overlap_another_forvaltning_or_a_later_period_is_accepted() -> None:
    uow = FakeUnitOfWork()
    await register(uow)
    await register(uow, registration(overlap_intended=True))
    await register(uow, req=KF)
    await register(uow, registration(start_date="2027-01-01", planned_end_date="2027-06-30"))
    assert len(uow.db.placements) == 4


async def test_an_ended_placement_is_no_overlap() -> None:
    uow = FakeUnitOfWork()
    first = await register(uow)
    end = commands.EndPlacement(end_date=date(2026, 3, 31), outcome="D")
    await run(uow, handlers.end_placement, first.id, end)
    again = await register(uow, registration(start_date="2026-03-01"))
    assert again.id != first.id
