"""The certificate decisions, through the handlers and the consumers, on in-memory fakes:
issue exactly once, wait for what is missing, ignore duplicates, revoke, re-issue. (Corrections
and withdrawal: ``test_corrections.py``.)"""

from __future__ import annotations

import copy
import itertools
import json
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from certificates.domain.certificate import (
    AlreadyRevoked,
    AlreadySuperseded,
    CannotIssue,
    Certificate,
    CertificateNotFound,
    PlacementNotFound,
    RenderError,
)
from certificates.messaging import Consumers
from certificates.service import handlers, queries, verification
from certificates.service.context import Context, Urls
from certificates.service.ports import PdfBacklog
from contracts.events import CertificateIssued, CertificateRevoked, Envelope, ParticipantIdentified
from contracts.organisations import load_register
from contracts.reference import load_reference_data
from runtime.consumer import INVALID, rejection_reason
from tests.unit.certificates.factory import Placement, complete_placement
from tests.unit.certificates.fakes import PUBLIC, FakeRenderer, FakeSigner, FakeUnitOfWork, reader

REFERENCE = load_reference_data()
REGISTER = load_register()
ORG = "servicef"
OTHER_ORG = "kulturf"


def ticking_clock() -> Callable[[], datetime]:
    """Every call a minute later: certificates issued one after another sort in order."""
    ticks = itertools.count()
    start = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return lambda: start + timedelta(minutes=next(ticks))


def make_context(renderer: FakeRenderer | None = None) -> Context:
    return Context(
        reference=REFERENCE,
        register=REGISTER,
        signer=FakeSigner(),
        renderer=renderer or FakeRenderer(),
        issuer_name="Malmö stad",
        urls=Urls("https://intyg.test"),
        clock=ticking_clock(),
    )


class Service:
    """The consumers and the förvaltning's use cases on one fake database."""

    def __init__(self, renderer: FakeRenderer | None = None) -> None:
        self.uow = FakeUnitOfWork()
        self.ctx = make_context(renderer)
        self.consumers = Consumers(lambda: self.uow, self.ctx)

    async def deliver(self, events: Sequence[Envelope]) -> None:
        for event in events:
            if isinstance(event, ParticipantIdentified):
                await self.consumers.identity(event)
            else:
                await self.consumers.placement_event(event)

    async def certificates(self, placement_id: uuid.UUID) -> list[Certificate]:
        async with self.uow as uow:
            return await uow.repository.certificates_of(placement_id)

    async def status(self, placement_id: uuid.UUID) -> tuple[str, str | None, tuple[int, ...]]:
        async with self.uow as uow:
            state = await uow.repository.placement(placement_id)
        assert state is not None
        return state.status, state.waiting_reason, state.missing_sequences

    async def revoke(self, certificate: Certificate, org: str = ORG) -> Certificate:
        async with self.uow as uow:
            revoked = await handlers.revoke(uow, self.ctx, org, certificate.id, "Fel", "corr-1")
            await uow.commit()
        return revoked

    async def reissue(self, certificate: Certificate, org: str = ORG) -> Certificate:
        async with self.uow as uow:
            new = await handlers.reissue(uow, self.ctx, org, certificate.id, "Rättad", "corr-2")
            await uow.commit()
        return new

    async def stored_pdf(self, certificate_id: uuid.UUID) -> bytes:
        async with self.uow as uow:
            pdf = await handlers.stored_pdf(uow, self.ctx, certificate_id)
            await uow.commit()
        return pdf

    def published(self, kind: type[Envelope]) -> list[Envelope]:
        return [e for e in self.uow.published if isinstance(e, kind)]


def everything(placement: Placement) -> list[Envelope]:
    return [*placement.events, *placement.identities]


async def issued_service(placement: Placement | None = None) -> tuple[Service, Certificate]:
    service = Service()
    placement = placement or complete_placement()
    await service.deliver(everything(placement))
    [certificate] = await service.certificates(placement.placement_id)
    return service, certificate


# --------------------------------------------------------------------------- issuing


ORDERS: dict[str, Callable[[list[Envelope]], list[Envelope]]] = {
    "as produced": list,
    "reversed": lambda events: events[::-1],
    "identity last": lambda events: sorted(
        events, key=lambda e: isinstance(e, ParticipantIdentified)
    ),
    "end first": lambda events: sorted(events, key=lambda e: e.event_type != "PlacementEnded"),
    "shuffled": lambda events: random.Random(9).sample(events, len(events)),
}


@pytest.mark.parametrize("order", ORDERS)
async def test_a_certificate_is_issued_exactly_once_whatever_the_order(order: str) -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver(ORDERS[order](everything(placement)))

    [certificate] = await service.certificates(placement.placement_id)
    assert certificate.organisation == ORG
    assert certificate.record_sequence == len(placement.events)
    assert certificate.number == "KI-2026-000001"
    assert await service.status(placement.placement_id) == ("issued", None, ())
    [issued] = service.published(CertificateIssued)
    assert isinstance(issued, CertificateIssued)
    assert issued.sequence == 1
    assert issued.payload.certificate_id == certificate.id
    assert issued.correlation_id == placement.events[-1].correlation_id  # the end's


async def test_nothing_is_issued_before_the_end() -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver([*placement.events[:-1], *placement.identities])  # no end

    assert await service.certificates(placement.placement_id) == []
    assert (await service.status(placement.placement_id))[0] == "open"
    assert service.uow.published == []


async def test_a_gap_keeps_it_waiting_with_the_missing_sequences_until_it_fills() -> None:
    placement = complete_placement()
    held_back = [placement.events[2], placement.events[4]]  # sequences 3 and 5
    service = Service()
    await service.deliver([e for e in everything(placement) if e not in held_back])

    assert await service.certificates(placement.placement_id) == []
    assert await service.status(placement.placement_id) == (
        "waiting",
        "missing sequences 3, 5",
        (3, 5),
    )
    async with service.uow as uow:
        summary, items = await queries.waiting(uow, ORG, 100)
    assert summary.count == 1
    assert [(i.placement_id, i.missing_sequences) for i in items] == [
        (placement.placement_id, (3, 5))
    ]

    await service.deliver(held_back[:1])
    assert (await service.status(placement.placement_id))[1:] == ("missing sequence 5", (5,))
    await service.deliver(held_back[1:])

    assert len(await service.certificates(placement.placement_id)) == 1
    assert await service.status(placement.placement_id) == ("issued", None, ())


async def test_without_the_identity_it_waits_then_issues_when_it_arrives() -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver(placement.events)

    assert await service.status(placement.placement_id) == ("waiting", "no identity", ())
    async with service.uow as uow:
        summary, _ = await queries.waiting(uow, None, 100)
    assert summary.count == 1

    await service.deliver(placement.identities)
    assert len(await service.certificates(placement.placement_id)) == 1


async def test_duplicates_change_nothing() -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver(everything(placement))
    before = copy.deepcopy(service.uow.repository)
    await service.deliver(everything(placement))
    await service.deliver(everything(placement)[::-1])

    assert len(await service.certificates(placement.placement_id)) == 1
    assert len(service.uow.published) == 1
    assert service.uow.repository == before


async def test_the_same_event_under_a_new_id_is_a_conflict_and_changes_nothing() -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver(placement.events[:2])
    impostor = placement.events[1].model_copy(update={"event_id": uuid.uuid4()})

    with pytest.raises(ValueError, match=r"sequence 2 .* already taken") as refused:
        await service.deliver([impostor])
    assert rejection_reason(refused.value) == INVALID  # dead-lettered at once, as invalid
    assert impostor.event_id not in {e for _, e in service.uow.inbox}  # rolled back


async def test_another_forvaltnings_event_on_the_placement_is_refused() -> None:
    placement = complete_placement()
    service = Service()
    await service.deliver(placement.events[:1])
    foreign = placement.events[1].model_copy(update={"producer": OTHER_ORG})

    with pytest.raises(ValueError, match="belongs to 'servicef'") as refused:
        await service.deliver([foreign])
    assert rejection_reason(refused.value) == INVALID


async def test_the_credential_is_issued_at_once_and_the_pdf_is_rendered_after() -> None:
    renderer = FakeRenderer()
    service = Service(renderer)
    placement = complete_placement()
    await service.deliver(everything(placement))

    [certificate] = await service.certificates(placement.placement_id)
    [announced] = service.published(CertificateIssued)
    assert isinstance(announced, CertificateIssued)
    assert announced.payload.certificate_id == certificate.id
    assert renderer.rendered == [], "issuing renders nothing: a PDF backlog never delays it"
    async with service.uow as uow:
        assert await uow.repository.pdf(certificate.id) is None
        batch = await handlers.render_backlog(uow, service.ctx, limit=10)
        await uow.commit()
    assert (batch.claimed, batch.failed) == (1, {})
    async with service.uow as uow:
        pdf = await queries.certificate_pdf(uow, service.ctx, reader(ORG), certificate.id)
        assert (await handlers.render_backlog(uow, service.ctx, limit=10)).claimed == 0
    assert pdf.startswith(f"PDF {certificate.number} sv".encode())
    assert renderer.rendered == [(certificate.number, "sv")], "rendered once, then stored"


async def test_a_download_before_the_worker_renders_the_pdf_once_and_stores_it() -> None:
    renderer = FakeRenderer()
    service = Service(renderer)
    placement = complete_placement()
    await service.deliver(everything(placement))
    [certificate] = await service.certificates(placement.placement_id)

    for _ in range(2):
        async with service.uow as uow:
            pdf = await queries.certificate_pdf(uow, service.ctx, reader(ORG), certificate.id)
            await uow.commit()
        assert pdf.startswith(f"PDF {certificate.number} sv".encode())
    assert renderer.rendered == [(certificate.number, "sv")]
    async with service.uow as uow:
        assert (await handlers.render_backlog(uow, service.ctx, limit=10)).claimed == 0


async def test_a_pdf_that_cannot_be_made_delays_no_credential_and_waits_with_the_reason() -> None:
    placement = complete_placement()
    service = Service(FakeRenderer(failure="no glyph for the name"))
    await service.deliver(everything(placement))

    [certificate] = await service.certificates(placement.placement_id)
    assert (await service.status(placement.placement_id))[0] == "issued"
    async with service.uow as uow:
        batch = await handlers.render_backlog(uow, service.ctx, limit=10)
        await uow.commit()
    assert batch.failed == {certificate.id: "no glyph for the name"}
    async with service.uow as uow:
        assert await uow.repository.pdf_backlog() == PdfBacklog(1, 1, 0.0)
        with pytest.raises(RenderError, match="no glyph"):
            await queries.certificate_pdf(uow, service.ctx, reader(ORG), certificate.id)


# --------------------------------------------------------------------------- revoking


async def test_revoke_publishes_certificate_revoked_and_the_status_list_shows_it() -> None:
    service, certificate = await issued_service()
    revoked = await service.revoke(certificate)

    assert revoked.revoked
    assert revoked.revocation_reason == "Fel"
    [event] = service.published(CertificateRevoked)
    assert isinstance(event, CertificateRevoked)
    assert (event.sequence, event.correlation_id) == (2, "corr-1")
    assert event.payload.certificate_id == certificate.id
    assert event.payload.superseded_by is None
    async with service.uow as uow:
        status_list = await verification.signed_status_list(uow, service.ctx, 1)
        found = await verification.verify_certificate(uow, service.ctx, PUBLIC, certificate.id)
    assert status_list is not None
    assert service.ctx.signer.verify(status_list)
    assert found is not None
    assert found.genuine
    assert found.certificate.revoked


async def test_a_revoked_certificate_cannot_be_revoked_again() -> None:
    service, certificate = await issued_service()
    await service.revoke(certificate)

    with pytest.raises(AlreadyRevoked):
        await service.revoke(certificate)
    assert len(service.published(CertificateRevoked)) == 1


# --------------------------------------------------------------------------- re-issuing


async def test_reissue_supersedes_and_revokes_the_old_one_in_the_language_asked() -> None:
    placement = complete_placement()
    service, old = await issued_service(placement)

    async with service.uow as uow:
        new = await handlers.reissue(uow, service.ctx, ORG, old.id, "På engelska", "corr-2", "en")
        await uow.commit()

    assert new.supersedes == old.id
    assert new.language == "en"
    assert new.record_sequence == old.record_sequence
    [first, second] = await service.certificates(placement.placement_id)
    assert first.id == old.id
    assert first.revoked
    assert first.superseded_by == new.id
    assert first.revocation_reason == "På engelska"
    assert second.id == new.id
    assert not second.revoked
    revoked, issued = service.uow.published[1:]
    assert isinstance(revoked, CertificateRevoked)
    assert isinstance(issued, CertificateIssued)
    assert (revoked.sequence, issued.sequence) == (2, 3)
    assert revoked.payload.superseded_by == new.id
    assert issued.payload.supersedes == old.id
    async with service.uow as uow:
        stored = await uow.repository.certificate(new.id)
    assert stored is not None
    assert stored.supersedes_number == old.number


async def credential_of(service: Service, certificate: Certificate) -> dict[str, Any]:
    async with service.uow as uow:
        stored = await uow.repository.certificate(certificate.id)
    assert stored is not None
    document: dict[str, Any] = json.loads(stored.credential)
    return document


async def test_every_reissue_keeps_the_date_the_certificate_was_first_awarded() -> None:
    service, first = await issued_service()
    second = await service.reissue(first)
    third = await service.reissue(second)

    credentials = [await credential_of(service, c) for c in (first, second, third)]
    assert credentials[0]["awardedDate"] == credentials[0]["validFrom"]
    assert [c["awardedDate"] for c in credentials] == [credentials[0]["awardedDate"]] * 3
    assert len({c["validFrom"] for c in credentials}) == 3  # each signed when it was issued


async def test_a_presented_credential_is_genuine_only_if_it_is_the_one_issued() -> None:
    """Even with a valid proof (a key compromised later could make one with any time), a
    presented copy that differs from what was issued under its id is not genuine."""
    service, certificate = await issued_service()
    issued = await credential_of(service, certificate)
    altered = {k: v for k, v in issued.items() if k != "proof"}
    altered["credentialSubject"] = {**altered["credentialSubject"], "role": "Chef"}
    forged = service.ctx.signer.sign(altered, service.ctx.clock())
    assert service.ctx.signer.verify(forged)

    async with service.uow as uow:
        genuine = await verification.verify_presented(
            uow, service.ctx, PUBLIC, copy.deepcopy(issued)
        )
        refused = await verification.verify_presented(uow, service.ctx, PUBLIC, forged)
    assert genuine is not None
    assert genuine.genuine
    assert refused is None


async def test_a_revoked_certificate_can_be_reissued_without_a_second_revocation() -> None:
    service, old = await issued_service()
    await service.revoke(old)

    new = await service.reissue(old)

    assert new.supersedes == old.id
    assert [type(e).__name__ for e in service.uow.published] == [
        "CertificateIssued",
        "CertificateRevoked",
        "CertificateIssued",
    ]


async def test_a_superseded_certificate_cannot_be_reissued_again() -> None:
    service, old = await issued_service()
    new = await service.reissue(old)

    with pytest.raises(AlreadySuperseded) as refused:
        await service.reissue(old)
    assert refused.value.by == new.id
    assert len(await service.certificates(old.placement_id)) == 2


async def test_reissue_is_refused_when_the_pdf_cannot_be_made_and_nothing_changes() -> None:
    service, old = await issued_service()
    renderer = service.ctx.renderer
    assert isinstance(renderer, FakeRenderer)
    renderer.failure = "template broken"

    with pytest.raises(CannotIssue, match="the PDF cannot be made: template broken"):
        await service.reissue(old)
    [still] = await service.certificates(old.placement_id)
    assert not still.revoked
    assert len(service.uow.published) == 1


# --------------------------------------------------------------------------- whose


async def test_another_forvaltnings_certificate_is_not_found() -> None:
    service, certificate = await issued_service()

    with pytest.raises(CertificateNotFound):
        await service.revoke(certificate, org=OTHER_ORG)
    with pytest.raises(CertificateNotFound):
        await service.reissue(certificate, org=OTHER_ORG)
    async with service.uow as uow:
        with pytest.raises(CertificateNotFound):
            await queries.credential(uow, OTHER_ORG, certificate.id)
        with pytest.raises(CertificateNotFound):
            await queries.certificate_pdf(uow, service.ctx, reader(OTHER_ORG), certificate.id)
        with pytest.raises(PlacementNotFound):
            await queries.placement_certificates(uow, OTHER_ORG, certificate.placement_id)
        placement, listed = await queries.placement_certificates(uow, ORG, certificate.placement_id)
    assert placement.status == "issued"
    assert [c.id for c in listed] == [certificate.id]
    assert service.uow.published[1:] == []


async def test_the_pdf_is_served_as_issued_or_rendered_in_the_other_language() -> None:
    service, certificate = await issued_service()
    async with service.uow as uow:
        as_issued = await queries.certificate_pdf(uow, service.ctx, reader(ORG), certificate.id)
        english = await queries.certificate_pdf(uow, service.ctx, reader(ORG), certificate.id, "en")

    assert as_issued.startswith(f"PDF {certificate.number} sv".encode())
    assert english.startswith(f"PDF {certificate.number} en".encode())
