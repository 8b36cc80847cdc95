"""What a förvaltning reads: its own placements only, without locking them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from contracts.personnummer import Personnummer
from placements.domain.model import Placement
from placements.domain.pseudonym import participant_ref
from placements.service.commands import FindParticipant, RequestRegisterExtract
from placements.service.handlers import Context, Request
from placements.service.ports import (
    CertificateDirectory,
    CertificateState,
    CertificatesUnavailable,
    HistoryEntry,
    PlacementFilter,
    UnitOfWork,
)
from runtime.access_log import LoggedAccess
from runtime.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Page:
    placements: list[Placement]
    last: int | None
    """The last placement's registration number when the page is full (more may follow)."""


async def list_placements(
    unit_of_work: Callable[[], UnitOfWork], req: Request, query: PlacementFilter
) -> Page:
    async with unit_of_work() as uow:
        rows = await uow.placements.list(req.organisation, query)
        found = [placement for _, placement in rows]
        await uow.access_log.record(req.access(found))
        await uow.commit()
    last = rows[-1][0] if rows and len(rows) == query.limit else None
    return Page(found, last)


async def read_placement(
    unit_of_work: Callable[[], UnitOfWork], req: Request, placement_id: uuid.UUID
) -> tuple[Placement, list[HistoryEntry]]:
    """The placement and its event history (``PlacementNotFound`` for another förvaltning's)."""
    async with unit_of_work() as uow:
        placement = await uow.placements.get(req.organisation, placement_id, lock=False)
        history = await uow.placements.history(placement_id)
        await uow.access_log.record(req.access([placement]))
        await uow.commit()
    return placement, history


async def find_participant(
    unit_of_work: Callable[[], UnitOfWork],
    ctx: Context,
    req: Request,
    query: FindParticipant,
    page: PlacementFilter,
) -> Page:
    """The förvaltning's own placements of one person, found by the keyed pseudonym (the
    personnummer is neither stored in an index nor logged). ``page`` gives the cursor and limit.
    Every search is logged (who asked, how many were found): it is a read of identity data."""
    ref = participant_ref(ctx.pseudonym_key, Personnummer(query.personnummer))
    found = await list_placements(unit_of_work, req, replace(page, participant_ref=ref))
    log.info(
        "participant search",
        organisation=req.organisation,
        results=len(found.placements),
    )
    return found


async def certificate_state(
    certificates: CertificateDirectory, req: Request, placement_id: uuid.UUID
) -> CertificateState:
    """The placement's certificate as the certificates service knows it, asked as the caller's
    förvaltning (so another's is never shown)."""
    return await certificates.state(req.organisation, placement_id)


async def certificate_pdf(
    certificates: CertificateDirectory,
    unit_of_work: Callable[[], UnitOfWork],
    req: Request,
    placement_id: uuid.UUID,
    certificate_id: uuid.UUID,
    language: str,
) -> bytes:
    """The PDF, fetched as the caller's förvaltning. Its read is logged here too, naming the
    signed-in person: the certificates service sees only the förvaltning's token."""
    pdf = await certificates.pdf(req.organisation, certificate_id, language)
    async with unit_of_work() as uow:
        await uow.access_log.record(req.access_by_id([placement_id]))
        await uow.commit()
    return pdf


@dataclass(frozen=True)
class RegisterExtract:
    """Everything held about one person: here, and in the certificates service."""

    personnummer: Personnummer
    placements: list[tuple[Placement, list[HistoryEntry]]]
    certificates: dict[str, Any]
    reads: list[LoggedAccess]
    """Who read the person's placements here before (whom the data were disclosed to)."""


async def register_extract(
    unit_of_work: Callable[[], UnitOfWork],
    ctx: Context,
    req: Request,
    query: RequestRegisterExtract,
) -> RegisterExtract:
    """The person's placements (a förvaltning's own, an admin's every förvaltning's: empty
    ``req.organisation``) with their histories, and the certificates service's part. Complete or
    not at all: without the certificates service it raises ``CertificatesUnavailable`` and
    nothing leaves. The extract is itself logged."""
    if ctx.certificates is None:
        raise CertificatesUnavailable("no certificates service is configured")
    person = Personnummer(query.personnummer)
    scope = req.organisation or None
    ref = participant_ref(ctx.pseudonym_key, person)
    # First, so that no transaction waits on another service.
    certificates = await ctx.certificates.extract(person.digits, scope, req.correlation_id)
    async with unit_of_work() as uow:
        rows = await uow.placements.list(scope, PlacementFilter(participant_ref=ref, limit=10_000))
        found = [(p, await uow.placements.history(p.id)) for _, p in rows]
        reads = await uow.access_log.reads_of([p.id for p, _ in found])
        await uow.access_log.record(req.access(p for p, _ in found))
        await uow.commit()
    return RegisterExtract(person, found, certificates, reads)
