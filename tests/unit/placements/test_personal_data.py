"""Personal data in the placements use cases, on the fakes: every read of identity is logged
with the read, the register extract is whole or nothing, and retention erases the identity of
placements past the period and nothing else."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from placements.domain.errors import IdentityErased
from placements.domain.model import Placement
from placements.service import commands, handlers, queries
from placements.service.ports import CertificatesUnavailable, PlacementFilter
from placements.service.retention import erase_expired
from runtime.access_log import Reader
from runtime.retention import ended_on_or_before
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    AMINA,
    CONTEXT,
    SF,
    TODAY,
    participant,
    register,
    registration,
    run,
)

READER = Reader("anna@sf", "förvaltning", "sf", "GET /placements/{placement_id}", "case-1")
ADMIN = handlers.Request(
    organisation="",
    correlation_id="case-admin",
    reader=Reader("ada@city", "admin", None, "POST /participants/register-extract", "case-admin"),
)


class CertificatesPart:
    """The certificates service's answer, as the HTTP adapter would hand it over."""

    def __init__(self, unavailable: bool = False) -> None:
        self.unavailable = unavailable
        self.asked: list[tuple[str, str | None]] = []

    async def extract(
        self, personnummer: str, organisation: str | None, correlation_id: str
    ) -> dict[str, Any]:
        if self.unavailable:
            raise CertificatesUnavailable("connection refused")
        self.asked.append((personnummer, organisation))
        return {"placements": []}


async def ended(uow: FakeUnitOfWork, end: str, **body: Any) -> Placement:
    placement = await register(uow, registration(**body))
    command = commands.EndPlacement(end_date=date.fromisoformat(end), outcome="A")
    return await run(uow, handlers.end_placement, placement.id, command)


async def test_a_read_is_logged_with_who_which_route_and_which_placement() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)
    reader = dataclasses.replace(SF, reader=READER)
    await queries.read_placement(lambda: uow, reader, placement.id)
    await queries.list_placements(lambda: uow, reader, PlacementFilter())
    [read, listed] = uow.db.access_log
    assert read.reader == READER
    assert read.placement_ids == listed.placement_ids == (placement.id,)
    assert read.owners == ("sf",)


async def test_an_extract_is_whole_or_nothing_and_logged() -> None:
    uow = FakeUnitOfWork()
    mine = await register(uow)
    theirs = await register(uow, req=handlers.Request("kf", "case-kf"))
    await register(uow, registration(participant=participant(1)))
    part = CertificatesPart()
    ctx = dataclasses.replace(CONTEXT, certificates=part)
    query = commands.RequestRegisterExtract(personnummer=AMINA)

    own = await queries.register_extract(lambda: uow, ctx, SF, query)
    citywide = await queries.register_extract(lambda: uow, ctx, ADMIN, query)
    assert [p.id for p, _ in own.placements] == [mine.id]
    assert [p.id for p, _ in citywide.placements] == [mine.id, theirs.id]
    assert part.asked == [(AMINA.replace("-", ""), "sf"), (AMINA.replace("-", ""), None)]
    assert [a.owners for a in uow.db.access_log] == [("sf",), ("sf", "kf")]
    assert [r.action for r in citywide.reads] == ["unknown"], "the förvaltning's extract before"

    down = dataclasses.replace(CONTEXT, certificates=CertificatesPart(unavailable=True))
    for missing in (down, CONTEXT):  # unreachable, or not configured at all
        with pytest.raises(CertificatesUnavailable):
            await queries.register_extract(lambda: uow, missing, SF, query)
    assert len(uow.db.access_log) == 2, "no extract, nothing logged"


async def test_retention_erases_only_placements_past_the_period() -> None:
    uow = FakeUnitOfWork()
    old = await ended(uow, "2026-06-30")
    recent = await ended(uow, "2027-06-01", participant=participant(1))
    running = await register(uow, registration(participant=participant(2)))
    cutoff = ended_on_or_before(TODAY, retention_days=300)
    assert cutoff == date(2026, 9, 2)

    erased = await erase_expired(lambda: uow, TODAY, cutoff)
    assert erased == {"placements": 1, "stored_responses": 0}
    gone = uow.db.placements[old.id]
    assert (gone.participant, gone.supervisor, gone.identity_erased_on) == (None, None, TODAY)
    assert gone.participant_ref == old.participant_ref, "the pseudonym stays for statistics"
    assert gone.assessments == old.assessments
    assert gone.terms == old.terms
    assert uow.db.placements[recent.id].participant is not None
    assert uow.db.placements[running.id].participant is not None
    assert await erase_expired(lambda: uow, TODAY, cutoff) == {
        "placements": 0,
        "stored_responses": 0,
    }


async def test_an_erased_placement_cannot_be_changed() -> None:
    uow = FakeUnitOfWork()
    old = await ended(uow, "2026-06-30")
    await erase_expired(lambda: uow, TODAY, ended_on_or_before(TODAY, 300))
    correction = commands.CorrectEnd(outcome="B", reason="Fel utfall")
    with pytest.raises(IdentityErased, match="erased on 2027-06-30"):
        await run(uow, handlers.correct_end, old.id, correction)
