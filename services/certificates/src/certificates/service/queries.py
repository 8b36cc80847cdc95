"""What the förvaltningar and operators read: a placement's certificates, one certificate,
its PDF and credential as issued, and the placements still waiting. Each runs in a unit of work
the caller opens; another förvaltning's certificate is simply not found."""

from __future__ import annotations

import uuid

from certificates.domain.certificate import Certificate, IdentityErased, PlacementNotFound
from certificates.domain.placement import PlacementState, WaitingPlacement, WaitingSummary
from certificates.service.context import Context
from certificates.service.handlers import owned, owned_stored, paper_info, render, stored_pdf
from certificates.service.ports import UnitOfWork
from contracts.reference import Language
from runtime.access_log import Reader


async def credential(uow: UnitOfWork, organisation: str, certificate_id: uuid.UUID) -> str:
    """The signed credential (JSON) exactly as issued."""
    return (await owned_stored(uow, organisation, certificate_id)).credential


async def certificate_pdf(
    uow: UnitOfWork,
    ctx: Context,
    reader: Reader,
    certificate_id: uuid.UUID,
    language: Language | None = None,
) -> bytes:
    """The PDF as issued, or the same certificate rendered in the other language. It carries
    the participant's name: the read is logged. One the worker has not rendered yet is rendered
    now and stored: the caller commits before answering."""
    certificate = await owned(uow, reader.organisation or "", certificate_id)
    stored = await uow.repository.certificate(certificate_id)
    assert stored is not None  # owned() found it in this transaction
    if stored.record.identity_erased:
        raise IdentityErased(certificate_id)
    await uow.access_log.record(reader.read([(certificate.placement_id, certificate.organisation)]))
    if language is None or language == certificate.language:
        return await stored_pdf(uow, ctx, certificate_id)
    return await render(ctx, stored.record, paper_info(ctx, stored), language, stored.credential)


async def certificate(uow: UnitOfWork, organisation: str, certificate_id: uuid.UUID) -> Certificate:
    """One of ``organisation``'s certificates, as it stands."""
    return await owned(uow, organisation, certificate_id)


async def placement_certificates(
    uow: UnitOfWork, organisation: str, placement_id: uuid.UUID
) -> tuple[PlacementState, list[Certificate]]:
    """Where the placement's certificate stands, and its certificates, oldest first."""
    placement = await uow.repository.placement(placement_id)
    if placement is None or placement.organisation != organisation:
        raise PlacementNotFound(placement_id)
    return placement, await uow.repository.certificates_of(placement_id)


async def waiting(
    uow: UnitOfWork, organisation: str | None, limit: int
) -> tuple[WaitingSummary, list[WaitingPlacement]]:
    """Ended placements still waiting for their certificate: ``organisation``'s, or all."""
    return await uow.repository.waiting(organisation, limit)
