"""Use cases: apply an event and issue when the record is complete, follow corrections and
withdrawal; revoke; re-issue. (What the förvaltningar and operators read is in
:mod:`certificates.service.queries`.)

Each runs inside one unit of work (one transaction) that the caller commits: the stored event,
the certificate and the ``CertificateIssued`` for the outbox commit together or not at all.
Every use case locks the placement first, so two events of one placement never interleave, and
each decision is taken from what is stored under that lock, never from the event that happens
to arrive: a redelivered or reordered event finds the decision already taken.
Signing and rendering go through the context's ports.

Issuing signs the credential and stores the certificate at once; its PDF is rendered after, by
the PDF worker (:func:`render_backlog`) or by the first download (:func:`stored_pdf`), so a
rendering backlog never delays a credential. Only a re-issue asked for by hand renders at once,
so that a paper that cannot be made is refused to the person who asked.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
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
    RecordState,
    Waiting,
    Withdrawn,
    build_record,
    printed,
)
from certificates.service.context import Context
from certificates.service.ports import StoredCertificate, UnitOfWork
from contracts.events import (
    AssessmentCorrected,
    Envelope,
    ModuleAssessed,
    ParticipantIdentified,
    PlacementDetailsCorrected,
    PlacementEndCorrected,
    PlacementEnded,
    PlacementStarted,
    PlacementWithdrawn,
    ValueAddedCorrected,
)
from contracts.reference import Language, ReferenceData

Correction = (
    PlacementEndCorrected | AssessmentCorrected | ValueAddedCorrected | PlacementDetailsCorrected
)

REASON_LIMIT = 200
"""A revocation's reason is published and printed on one line (``CertificateRevoked``)."""
SUPERSEDED = "Ersatt av ett rättat intyg"
"""The reason when the corrections that changed the record say none of their own."""

# --------------------------------------------------------------------------- events


async def apply_placement_event(uow: UnitOfWork, ctx: Context, event: Envelope) -> None:
    """Store a city-wide placement event, then settle the placement's certificate: issue the
    first, supersede it after a correction, or revoke it on withdrawal.

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
    if isinstance(event, PlacementWithdrawn):
        await _withdraw(uow, ctx, placement, event)
    else:
        if isinstance(event, PlacementEnded | PlacementEndCorrected) and not placement.ended_at:
            placement.ended_at = ctx.clock()
        await _settle(uow, ctx, placement)
    await repo.save_placement(placement)


async def apply_identity(uow: UnitOfWork, ctx: Context, event: ParticipantIdentified) -> None:
    """Store the participant's name and personnummer, then settle the certificate."""
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
    if not isinstance(event, ModuleAssessed | AssessmentCorrected):
        return
    try:
        reference.level_index(event.payload.module, event.payload.level)
    except KeyError as error:
        raise InvalidEvent(str(error.args[0])) from None


async def _settle(uow: UnitOfWork, ctx: Context, placement: PlacementState) -> None:
    """Bring the certificate in line with the placement's record, once the record is complete:
    issue the first certificate, or supersede the current one when a correction changed what
    it prints. An incomplete record (a gap, even after the issue) waits, and a withdrawn
    placement is never settled again."""
    if placement.status == "withdrawn" or placement.ended_at is None:
        return
    events = await uow.repository.events(placement.placement_id)
    state = _record(events, ctx.reference)
    if isinstance(state, Withdrawn):  # stored with the withdrawal, so not reached; but final
        return
    if isinstance(state, Waiting):
        placement.wait(state.reason, ctx.clock(), state.missing_sequences)
        return
    current = await _current(uow, placement)
    if current is None:
        correlation_id = _end_of(events).correlation_id
        await issue(uow, ctx, placement, state.record, correlation_id, ctx.language)
    else:
        await _follow(uow, ctx, placement, current, state.record, events)


def _record(events: list[Envelope], reference: ReferenceData) -> RecordState:
    """The record's state; events that cannot form a record (a producer's bug) wait, with why."""
    try:
        return build_record(events, reference)
    except RecordError as error:
        return Waiting((), f"the events do not form a record: {error}")


async def _current(uow: UnitOfWork, placement: PlacementState) -> Certificate | None:
    """The placement's latest certificate (the one nothing supersedes), revoked or not."""
    certificates = await uow.repository.certificates_of(placement.placement_id)
    latest = [c for c in certificates if c.superseded_by is None]
    return latest[-1] if latest else None


async def _follow(
    uow: UnitOfWork,
    ctx: Context,
    placement: PlacementState,
    current: Certificate,
    record: CompetenceRecord,
    events: list[Envelope],
) -> None:
    """After the issue: a new certificate supersedes the current one when the corrected record
    prints anything differently. Comparing with what the current certificate shows (not with
    the event that arrived) makes this exactly once: a redelivered or reordered correction
    finds the record already printed. A certificate revoked by hand is left alone: a person
    decided, and a re-issue is theirs to ask for."""
    placement.issued()
    stored = await uow.repository.certificate(current.id)
    if current.revoked or stored is None or printed(stored.record) == printed(record):
        return
    latest = max((e for e in events if not isinstance(e, ParticipantIdentified)), key=_sequence)
    await supersede(
        uow,
        ctx,
        placement,
        current,
        record,
        reason=_corrections_reason(events, current.record_sequence),
        correlation_id=latest.correlation_id,
        language=current.language,
    )


def _sequence(event: Envelope) -> int:
    return event.sequence


def _corrections_reason(events: list[Envelope], after: int) -> str:
    """Why the certificate is superseded: the reasons of the corrections it did not include."""
    corrections = sorted(
        (e for e in events if isinstance(e, Correction) and e.sequence > after), key=_sequence
    )
    reasons = list(dict.fromkeys(e.payload.reason for e in corrections))
    return _short(f"Rättelse: {'; '.join(reasons)}" if reasons else SUPERSEDED)


def _short(reason: str) -> str:
    return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"


async def _withdraw(
    uow: UnitOfWork, ctx: Context, placement: PlacementState, event: PlacementWithdrawn
) -> None:
    """Withdrawal is final: the current certificate, if any, is revoked with its reason, and
    none is ever issued for the placement again (see :func:`_settle`)."""
    if placement.status == "withdrawn":
        return
    placement.withdrawn()
    current = await _current(uow, placement)
    if current is None or current.revoked:
        return
    revoked = current.revoke(_short(event.payload.reason), ctx.clock())
    await uow.repository.save_revocation(revoked)
    uow.emit(revoked.revoked_event(placement.next_certificate_sequence(), event.correlation_id))


def _end_of(events: list[Envelope]) -> PlacementEnded | PlacementEndCorrected:
    return max(
        (e for e in events if isinstance(e, PlacementEnded | PlacementEndCorrected)),
        key=_sequence,
    )


# --------------------------------------------------------------------------- issuing


@dataclass(frozen=True)
class _Prepared:
    """A certificate made (signed, and rendered if asked) but not yet stored or announced."""

    certificate: Certificate
    record: CompetenceRecord
    pdf: bytes | None
    """None: it goes to the PDF backlog."""
    credential: str


async def issue(
    uow: UnitOfWork,
    ctx: Context,
    placement: PlacementState,
    record: CompetenceRecord,
    correlation_id: str,
    language: Language,
) -> Certificate:
    """Sign and store a placement's first certificate, and emit ``CertificateIssued``; its PDF
    joins the backlog."""
    return await _store(uow, placement, await _prepare(uow, ctx, record, language), correlation_id)


async def supersede(
    uow: UnitOfWork,
    ctx: Context,
    placement: PlacementState,
    old: Certificate,
    record: CompetenceRecord,
    *,
    reason: str,
    correlation_id: str,
    language: Language,
    render_now: bool = False,
) -> Certificate:
    """A new certificate from ``record`` that supersedes ``old``, which is revoked (unless it
    already was) with ``reason``: ``CertificateRevoked`` then ``CertificateIssued``. The new
    one is made before anything is stored, so with ``render_now`` a paper that cannot be
    rendered (:class:`RenderError`) leaves the old one valid."""
    new_id = uuid.uuid4()
    prepared = await _prepare(
        uow, ctx, record, language, supersedes=old, certificate_id=new_id, render_now=render_now
    )
    if not old.revoked:
        revoked = old.revoke(reason, prepared.certificate.issued_at)
        await uow.repository.save_revocation(revoked)
        sequence = placement.next_certificate_sequence()
        uow.emit(revoked.revoked_event(sequence, correlation_id, superseded_by=new_id))
    return await _store(uow, placement, prepared, correlation_id)


async def _prepare(
    uow: UnitOfWork,
    ctx: Context,
    record: CompetenceRecord,
    language: Language,
    supersedes: Certificate | None = None,
    certificate_id: uuid.UUID | None = None,
    render_now: bool = False,
) -> _Prepared:
    repo = uow.repository
    now = ctx.clock()
    certificate_id = certificate_id or uuid.uuid4()
    number = certificate_number(ctx.local_date(now).year, await repo.next_certificate_serial())
    info = _paper(ctx, record.producer, certificate_id, number, now, supersedes)
    entry = await repo.allocate_status_entry()
    awarded = await _first_awarded(uow, supersedes) or now
    signed = _signed_credential(ctx, record, info, certificate_id, entry, now, awarded, language)
    credential = json.dumps(signed, ensure_ascii=False)
    pdf = await render(ctx, record, info, language, credential) if render_now else None
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
    return _Prepared(certificate, record, pdf, credential)


async def _store(
    uow: UnitOfWork, placement: PlacementState, prepared: _Prepared, correlation_id: str
) -> Certificate:
    certificate = prepared.certificate
    await uow.repository.add_certificate(
        certificate, prepared.record, prepared.pdf, prepared.credential
    )
    uow.emit(certificate.issued_event(placement.next_certificate_sequence(), correlation_id))
    placement.issued()
    return certificate


def paper_info(ctx: Context, stored: StoredCertificate) -> CertificateInfo:
    """What the paper of a stored certificate prints besides its record."""
    certificate = stored.certificate
    return CertificateInfo(
        certificate_number=certificate.number,
        issued_on=ctx.local_date(certificate.issued_at),
        verification_url=ctx.urls.verify(certificate.id),
        organisation_name=ctx.organisation_name(certificate.organisation),
        issuer_name=ctx.issuer_name,
        supersedes=stored.supersedes_number,
    )


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
    ctx: Context,
    record: CompetenceRecord,
    info: CertificateInfo,
    language: Language,
    credential: str,
) -> bytes:
    # Typst and the seal take milliseconds of CPU: off the event loop, so other messages flow.
    return await asyncio.to_thread(ctx.renderer.render, record, info, language, credential)


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
    """A new certificate from the placement's current record (e.g. in the other language, or
    after a revocation by hand). It supersedes the old one, which is revoked (if it was not
    already) with ``reason``."""
    placement, old = await _lock_certificate(uow, organisation, certificate_id)
    old.check_can_be_superseded()
    state = _record(await uow.repository.events(placement.placement_id), ctx.reference)
    if isinstance(state, Withdrawn):
        raise CannotIssue(f"the placement was withdrawn: {state.reason}")
    if isinstance(state, Waiting):
        raise CannotIssue(f"the placement's record is incomplete: {state.reason}")
    try:
        new = await supersede(
            uow,
            ctx,
            placement,
            old,
            state.record,
            reason=reason,
            correlation_id=correlation_id,
            language=language or old.language,
            render_now=True,  # a person asked: a paper that cannot be made is refused to them
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


# --------------------------------------------------------------------------- the PDF


@dataclass(frozen=True)
class RenderedBatch:
    claimed: int
    """Fewer than asked: the backlog is empty for now."""
    failed: dict[uuid.UUID, str]
    """The certificates whose PDF cannot be made, and why."""


async def render_backlog(uow: UnitOfWork, ctx: Context, limit: int) -> RenderedBatch:
    """Render and store the PDFs of up to ``limit`` certificates from the backlog; one that
    cannot be made stays there with the reason, to be tried again later."""
    claimed = await uow.repository.claim_pdf_backlog(limit)
    failed: dict[uuid.UUID, str] = {}
    for certificate_id in claimed:
        try:
            await _render_and_store(uow, ctx, certificate_id)
        except RenderError as error:
            failed[certificate_id] = str(error)
            await uow.repository.pdf_failed(certificate_id, str(error))
    return RenderedBatch(len(claimed), failed)


async def stored_pdf(uow: UnitOfWork, ctx: Context, certificate_id: uuid.UUID) -> bytes:
    """The certificate's PDF; rendered and stored now if the worker has not done it yet
    (waiting for a worker that is at it). Raises :class:`RenderError` when it cannot be made."""
    pdf = await uow.repository.pdf(certificate_id)
    if pdf is not None:
        return pdf
    await uow.repository.lock_pdf_backlog(certificate_id)
    return await uow.repository.pdf(certificate_id) or await _render_and_store(
        uow, ctx, certificate_id
    )


async def _render_and_store(uow: UnitOfWork, ctx: Context, certificate_id: uuid.UUID) -> bytes:
    stored = await uow.repository.certificate(certificate_id)
    if stored is None:
        raise CertificateNotFound(certificate_id)
    info = paper_info(ctx, stored)
    pdf = await render(ctx, stored.record, info, stored.certificate.language, stored.credential)
    await uow.repository.store_pdf(certificate_id, pdf)
    return pdf
