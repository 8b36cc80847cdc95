"""What a placement's life puts in the outbox: every event once, in order, sequences 1..n
without gaps, each with the correlation id of the request that caused it, and the person
named only in ``ParticipantIdentified``."""

from __future__ import annotations

import pytest

from contracts.events import IDENTITY_EVENTS, ParticipantIdentified
from contracts.personnummer import Personnummer
from placements.domain.errors import RuleViolation
from placements.domain.model import Placement
from placements.service import commands, handlers
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    AMINA,
    SF,
    PlacementHandler,
    assessment,
    assessment_round,
    register,
    run,
)


async def a_whole_life(uow: FakeUnitOfWork) -> Placement:
    placement = await register(uow)
    steps: list[tuple[PlacementHandler, commands.Command]] = [
        (
            handlers.change_planned_end,
            commands.ChangePlannedEnd.model_validate({"planned_end_date": "2027-03-31"}),
        ),
        (handlers.assess_module, assessment(level="A2", assessed_on="2026-02-01")),
        (handlers.assess_modules, assessment_round()),
        (
            handlers.record_value_added,
            commands.RecordValueAdded.model_validate(
                {"beneficiary": "individual", "category": "sprakutveckling"}
            ),
        ),
        (
            handlers.end_placement,
            commands.EndPlacement.model_validate({"end_date": "2027-03-31", "outcome": "A"}),
        ),
    ]
    for number, (handler, command) in enumerate(steps, start=2):
        request = handlers.Request(SF.organisation, correlation_id=f"case-{number}")
        await run(uow, handler, placement.id, command, req=request)
    return placement


async def test_a_placements_events_have_gap_free_sequences() -> None:
    uow = FakeUnitOfWork()
    placement = await a_whole_life(uow)
    city_wide = [e for e in uow.committed if type(e) not in IDENTITY_EVENTS]
    assert [(e.sequence, e.event_type) for e in city_wide] == [
        (1, "PlacementStarted"),
        (2, "PlacementUpdated"),
        (3, "ModuleAssessed"),
        (4, "ModuleAssessed"),
        (5, "ModuleAssessed"),
        (6, "ValueAddedRecorded"),
        (7, "PlacementEnded"),
    ]
    assert {e.placement_id for e in uow.committed} == {placement.id}
    assert {e.producer for e in uow.committed} == {"sf"}
    assert len({e.event_id for e in uow.committed}) == len(uow.committed)
    assert uow.db.placements[placement.id].sequence == 7


async def test_the_history_is_the_city_wide_events_in_order() -> None:
    uow = FakeUnitOfWork()
    placement = await a_whole_life(uow)
    async with uow:
        history = await uow.placements.history(placement.id)
    assert [h.sequence for h in history] == [1, 2, 3, 4, 5, 6, 7]
    assert history[-1].payload == {"end_date": "2027-03-31", "outcome": "A"}


async def test_each_event_carries_the_correlation_id_of_its_request() -> None:
    uow = FakeUnitOfWork()
    await a_whole_life(uow)
    assert [(e.sequence, e.correlation_id) for e in uow.committed] == [
        (1, SF.correlation_id),
        (1, SF.correlation_id),  # the identity of the same registration
        (2, "case-2"),
        (3, "case-3"),
        (4, "case-4"),
        (5, "case-4"),  # one round, one request
        (6, "case-5"),
        (7, "case-6"),
    ]


async def test_the_person_is_named_only_in_participant_identified() -> None:
    uow = FakeUnitOfWork()
    placement = await a_whole_life(uow)
    identified = [e for e in uow.committed if isinstance(e, ParticipantIdentified)]
    assert len(identified) == 1
    others = [e.model_dump_json() for e in uow.committed if e not in identified]
    digits = Personnummer.parse(AMINA).digits
    for secret in (digits, AMINA, digits[2:], "Amina", "Hassan", "Karin Nilsson"):
        assert not [json for json in others if secret in json], secret
    assert placement.participant_ref in others[0]  # PlacementStarted: the pseudonym only


async def test_a_refused_command_commits_nothing_and_takes_no_sequence() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)
    commits = uow.db.commits
    bad = commands.EndPlacement.model_validate({"end_date": "2026-06-30", "outcome": "F"})
    with pytest.raises(RuleViolation):
        await run(uow, handlers.end_placement, placement.id, bad)
    assert uow.db.commits == commits
    assert len(uow.committed) == 2
    good = commands.EndPlacement.model_validate({"end_date": "2026-06-30", "outcome": "A"})
    await run(uow, handlers.end_placement, placement.id, good)
    assert [e.sequence for e in uow.committed] == [1, 1, 2]
