"""Reads through the service layer: a förvaltning's own placements, a page at a time."""

from __future__ import annotations

import pytest

from contracts.events import IDENTITY_EVENTS
from placements.domain.errors import PlacementNotFound
from placements.service import commands, queries
from placements.service.ports import PlacementFilter
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    AMINA,
    CONTEXT,
    KF,
    SF,
    participant,
    register,
    registration,
)


async def test_a_placement_is_read_with_its_history_without_identity() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)
    read, history = await queries.read_placement(lambda: uow, SF, placement.id)
    assert read == placement
    assert [(h.sequence, h.event_type) for h in history] == [(1, "PlacementStarted")]
    assert all(h.event_type not in {e.__name__ for e in IDENTITY_EVENTS} for h in history)
    with pytest.raises(PlacementNotFound):
        await queries.read_placement(lambda: uow, KF, placement.id)


async def test_a_list_shows_only_the_callers_placements_and_pages() -> None:
    uow = FakeUnitOfWork()
    mine = [(await register(uow, registration(participant=participant(i)))).id for i in range(3)]
    await register(uow, req=KF)

    first = await queries.list_placements(lambda: uow, SF, PlacementFilter(limit=2))
    assert [p.id for p in first.placements] == mine[:2]
    assert first.last is not None
    rest = await queries.list_placements(
        lambda: uow, SF, PlacementFilter(limit=2, after=first.last)
    )
    assert [p.id for p in rest.placements] == mine[2:]
    assert rest.last is None, "a page that is not full is the last"
    assert len((await queries.list_placements(lambda: uow, KF, PlacementFilter())).placements) == 1


async def test_a_person_search_finds_only_that_persons_placements_with_the_caller() -> None:
    uow = FakeUnitOfWork()
    first = await register(uow)
    second = await register(uow, registration(overlap_intended=True))
    await register(uow, registration(participant=participant(1)))  # someone else
    await register(uow, req=KF)  # the same person with another förvaltning
    typed = AMINA.replace("-", "")  # normalised as at registration
    search = commands.FindParticipant(personnummer=typed)

    found = await queries.find_participant(lambda: uow, CONTEXT, SF, search, PlacementFilter())
    assert [p.id for p in found.placements] == [first.id, second.id]
    assert found.last is None
    page = await queries.find_participant(
        lambda: uow, CONTEXT, SF, search, PlacementFilter(limit=1)
    )
    assert [p.id for p in page.placements] == [first.id]
    rest = await queries.find_participant(
        lambda: uow, CONTEXT, SF, search, PlacementFilter(limit=1, after=page.last)
    )
    assert [p.id for p in rest.placements] == [second.id]
    nobody = commands.FindParticipant(personnummer=participant(2)["personnummer"])
    assert (
        await queries.find_participant(lambda: uow, CONTEXT, SF, nobody, PlacementFilter())
    ).placements == []
