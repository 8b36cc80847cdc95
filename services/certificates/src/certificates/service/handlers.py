"""Use cases: apply an event and issue when the record is complete; revoke; re-issue.
(What the förvaltningar and operators read is in :mod:`certificates.service.queries`.)

Each runs inside one unit of work (one transaction) that the caller commits: the stored event,
the certificate and the ``CertificateIssued`` for the outbox commit together or not at all.
Every use case locks the placement first, so two events of one placement never interleave.
Signing and rendering go through the context's ports.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

from certificates.domain.certificate import (
    CannotIssue,
    Certificate,
    CertificateInfo,
    CertificateNotFound,
    InvalidEvent,
    RenderError,
    StatusEntry,
    certificate_number,
)
from certificates.domain.credential import build_credential
from certificates.domain.placement import PlacementState
from certificates.domain.record import (
    CompetenceRecord,
    RecordError,
    Waiting,
    build_record,
)
from certificates.service.context import Context
from certificates.service.ports import StoredCertificate, UnitOfWork
from contracts.events import (
    Envelope,
    ModuleAssessed,
    ParticipantIdentified,
    PlacementEnded,
    PlacementStarted,
)
from contracts.reference import Language, ReferenceData

# --------------------------------------------------------------------------- events


async def apply_placement_event(uow: UnitOfWork, ctx: Context, event: Envelope) -> None:
    """Store a city-wide placement event, then issue if the placement's record is complete.

    Raises :class:`InvalidEvent` for an event that can never be applied."""
    repo = uow.repository
    placement = await _lock(uow, event)
    _check_assessment(ctx.reference, event)
    if isinstance(event, PlacementStarted) and await repo.has_event_type(
        event.placement_id, event.event_type
    ):
        raise InvalidEvent(f"placement {event.placement_id} was already started")
    taken_by = await repo.add_event(event)
    if taken_by is not None:
        raise InvalidEvent(
            f"sequence {event.sequence} of placement {event.placement_id} is already taken by "
            f"event {taken_by}"
        )
    if isinstance(event, PlacementEnded) and placement.ended_at is None:
        placement.ended_at = ctx.clock()
    await _settle(uow, ctx, placement)
    await repo.save_placement(placement)


async def apply_identity(uow: UnitOfWork, ctx: Context, event: ParticipantIdentified) -> None:
    """Store the participant's name and personnummer, then issue if the record is complete."""
    placement = await _lock(uow, event)
    await uow.repository.add_identity(event)
    await _settle(uow, ctx, placement)
    await uow.repository.save_placement(placement)


async def _lock(uow: UnitOfWork, event: Envelope) -> PlacementState:
    placement = await uow.repository.lock_placement(event.placement_id, event.producer)
    if placement.organisation != event.producer:
        # The broker lets a förvaltning publish only its own routing keys; this stops it from
        # adding events to another förvaltning's placement.
        raise InvalidEvent(
            f"placement {event.placement_id} belongs to {placement.organisation!r}, "
            f"not to the producer {event.producer!r}"
        )
    return placement


def _check_assessment(reference: ReferenceData, event: Envelope) -> None:
    if not isinstance(event, ModuleAssessed):
        return
    try:
        reference.level_index(event.payload.module, event.payload.level)
    except KeyError as error:
        raise InvalidEvent(str(error.args[0])) from None


async def _settle(uow: UnitOfWork, ctx: Context, placement: PlacementState) -> None:
    """Issue the placement's first certificate once its record is complete. Later changes
    (corrections after the issue) reach the paper only through an explicit re-issue, and a
    revoked certificate is never silently replaced."""
    if placement.status == "issued" or placement.ended_at is None:
        return
    events = await uow.repository.events(placement.placement_id)
    try:
        state = build_record(events, ctx.reference)
    except RecordError as error:
        placement.wait(f"the events do not form a record: {error}")
        return
    if isinstance(state, Waiting):
        placement.wait(state.reason, state.missing_sequences)
        return
    try:
        await issue(
            uow,
            ctx,
            placement,
            state.record,
            correlation_id=_end_of(events).correlation_id,
            language=ctx.language,
        )
    except RenderError as error:
        placement.wait(f"the PDF cannot be made: {error}")


def _end_of(events: list[Envelope]) -> PlacementEnded:
    return max(
        (e for e in events if isinstance(e, PlacementEnded)), key=lambda event: event.sequence
    )


# --------------------------------------------------------------------------- issuing


async def issue(
    uow: UnitOfWork,
    ctx: Context,
    placement: PlacementState,
    record: CompetenceRecord,
    *,
    correlation_id: str,
    language: Language,
    supersedes: Certificate | None = None,
    certificate_id: uuid.UUID | None = None,
) -> Certificate:
    """Render, sign and store a certificate, and emit ``CertificateIssued``."""
    repo = uow.repository
    now = ctx.clock()
    certificate_id = certificate_id or uuid.uuid4()
    number = certificate_number(ctx.local_date(now).year, await repo.next_certificate_serial())
    info = _paper(ctx, record.producer, certificate_id, number, now, supersedes)
    pdf = await render(ctx, record, info, language)
    entry = await repo.allocate_status_entry()
    awarded = await _first_awarded(uow, supersedes) or now
    signed = _signed_credential(ctx, record, info, certificate_id, entry, now, awarded, language)
    certificate = Certificate(
        id=certificate_id,
        number=number,
        placement_id=record.placement_id,
        organisation=record.producer,
        language=language,
        issued_at=now,
        status_entry=entry,
        record_sequence=record.last_sequence,
        supersedes=supersedes.id if supersedes else None,
    )
    await repo.add_certificate(certificate, record, pdf, json.dumps(signed, ensure_ascii=False))
    uow.emit(certificate.issued_event(placement.next_certificate_sequence(), correlation_id))
    placement.issued()
    return certificate


def _paper(
    ctx: Context,
    organisation: str,
    certificate_id: uuid.UUID,
    number: str,
    issued_at: datetime,
    supersedes: Certificate | None,
) -> CertificateInfo:
    return CertificateInfo(
        certificate_number=number,
        issued_on=ctx.local_date(issued_at),
        verification_url=ctx.urls.verify(certificate_id),
        organisation_name=ctx.organisation_name(organisation),
        issuer_name=ctx.issuer_name,
        supersedes=supersedes.number if supersedes else None,
    )


async def render(
    ctx: Context, record: CompetenceRecord, info: CertificateInfo, language: Language
) -> bytes:
    # Typst takes milliseconds of CPU: off the event loop, so other messages keep flowing.
    return await asyncio.to_thread(ctx.renderer.render, record, info, language)


async def _first_awarded(uow: UnitOfWork, supersedes: Certificate | None) -> datetime | None:
    """When the certificate a re-issue replaces was first awarded (Open Badges' ``awardedDate``
    survives corrections); None for a first issue."""
    if supersedes is None:
        return None
    stored = await uow.repository.certificate(supersedes.id)
    awarded = json.loads(stored.credential).get("awardedDate") if stored else None
    if isinstance(awarded, str):
        try:
            return datetime.fromisoformat(awarded.replace("Z", "+00:00"))
        except ValueError:
            pass  # not ours to repair: the replaced certificate's issue time will do
    return supersedes.issued_at


def _signed_credential(
    ctx: Context,
    record: CompetenceRecord,
    info: CertificateInfo,
    certificate_id: uuid.UUID,
    entry: StatusEntry,
    now: datetime,
    awarded: datetime,
    language: Language,
) -> dict[str, Any]:
    credential = build_credential(
        record,
        ctx.reference,
        certificate_id=certificate_id,
        issuer=ctx.issuer,
        organisation_name=info.organisation_name,
        valid_from=now,
        achievement_id=ctx.urls.achievement,
        status_list_url=ctx.urls.status_list(entry.list_id),
        status_list_index=entry.index,
        language=language,
        awarded=awarded,
    )
    return ctx.signer.sign(credential, now)


# --------------------------------------------------------------------------- förvaltning


async def owned(uow: UnitOfWork, organisation: str, certificate_id: uuid.UUID) -> Certificate:
    """The certificate, if it belongs to ``organisation``; another's is simply not found."""
    return (await owned_stored(uow, organisation, certificate_id)).certificate


async def owned_stored(
    uow: UnitOfWork, organisation: str, certificate_id: uuid.UUID
) -> StoredCertificate:
    stored = await uow.repository.certificate(certificate_id)
    if stored is None or stored.certificate.organisation != organisation:
        raise CertificateNotFound(certificate_id)
    return stored


async def revoke(
    uow: UnitOfWork,
    ctx: Context,
    organisation: str,
    certificate_id: uuid.UUID,
    reason: str,
    correlation_id: str,
) -> Certificate:
    placement, certificate = await _lock_certificate(uow, organisation, certificate_id)
    revoked = certificate.revoke(reason, ctx.clock())
    await uow.repository.save_revocation(revoked)
    uow.emit(revoked.revoked_event(placement.next_certificate_sequence(), correlation_id))
    await uow.repository.save_placement(placement)
    return revoked


async def reissue(
    uow: UnitOfWork,
    ctx: Context,
    organisation: str,
    certificate_id: uuid.UUID,
    reason: str,
    correlation_id: str,
    language: Language | None = None,
) -> Certificate:
    """A corrected certificate from the placement's current record. It supersedes the old
    one, which is revoked (if it was not already) with ``reason``."""
    placement, old = await _lock_certificate(uow, organisation, certificate_id)
    old.check_can_be_superseded()
    events = await uow.repository.events(placement.placement_id)
    try:
        state = build_record(events, ctx.reference)
    except RecordError as error:
        raise CannotIssue(f"the events do not form a record: {error}") from None
    if isinstance(state, Waiting):
        raise CannotIssue(f"the placement's record is incomplete: {state.reason}")
    new_id = uuid.uuid4()
    if not old.revoked:
        revoked = old.revoke(reason, ctx.clock())
        await uow.repository.save_revocation(revoked)
        sequence = placement.next_certificate_sequence()
        uow.emit(revoked.revoked_event(sequence, correlation_id, superseded_by=new_id))
    try:
        new = await issue(
            uow,
            ctx,
            placement,
            state.record,
            correlation_id=correlation_id,
            language=language or old.language,
            supersedes=old,
            certificate_id=new_id,
        )
    except RenderError as error:
        raise CannotIssue(f"the PDF cannot be made: {error}") from None
    await uow.repository.save_placement(placement)
    return new


async def _lock_certificate(
    uow: UnitOfWork, organisation: str, certificate_id: uuid.UUID
) -> tuple[PlacementState, Certificate]:
    """Lock the certificate's placement, then read the certificate again under the lock."""
    certificate = await owned(uow, organisation, certificate_id)
    placement = await uow.repository.lock_placement(certificate.placement_id, organisation)
    return placement, await owned(uow, organisation, certificate_id)
