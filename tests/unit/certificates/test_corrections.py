"""Certificates follow the record: a correction that changes what a certificate prints
supersedes it exactly once, whatever the order and however often the events arrive; one that
changes nothing printed re-issues nothing; a withdrawn placement's certificate is revoked and
none is ever issued again. Through the consumers, on the fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from certificates.domain.certificate import CannotIssue, Certificate
from certificates.domain.record import Ready, build_record, printed
from certificates.service import handlers, queries, verification
from contracts.events import (
    CertificateIssued,
    CertificateRevoked,
    Envelope,
    ModuleAssessed,
    ValueAddedRecorded,
    Workplace,
)
from tests.unit.certificates.factory import Placement, complete_placement
from tests.unit.certificates.fakes import PUBLIC, FakeRenderer, reader
from tests.unit.certificates.test_handlers import (
    ORDERS,
    ORG,
    REFERENCE,
    Service,
    everything,
    issued_service,
)

Correct = Callable[[Placement], Envelope]


def _first_assessment(p: Placement) -> ModuleAssessed:
    return next(e for e in p.events if isinstance(e, ModuleAssessed))


def _last_assessment(p: Placement) -> ModuleAssessed:
    return [e for e in p.events if isinstance(e, ModuleAssessed)][-1]


def _first_value_added(p: Placement) -> ValueAddedRecorded:
    return next(e for e in p.events if isinstance(e, ValueAddedRecorded))


CORRECTIONS: dict[str, Correct] = {
    "end date": lambda p: p.correct_end(date(2026, 10, 23), "A"),
    "assessment level": lambda p: p.correct_assessment(_first_assessment(p), level="B1"),
    "latest comment": lambda p: p.correct_assessment(_last_assessment(p), comment="Rättad"),
    "assessment module": lambda p: p.correct_assessment(
        _first_assessment(p), module="allmanna-kompetenser", level="2"
    ),
    "workplace and role": lambda p: p.correct_details(
        workplace=Workplace(name="Malmö Konsthall"), role="Kulturassistent"
    ),
    "employment rate": lambda p: p.correct_details(employment_rate=50),
    "start date": lambda p: p.correct_details(start_date=date(2026, 1, 19)),
    "tasks": lambda p: p.correct_details(tasks=["Guida besökare"]),
}
"""Corrections that change what the certificate prints."""

NOT_PRINTED: dict[str, Correct] = {
    "the same end again": lambda p: p.correct_end(date(2026, 10, 30), "A"),
    "the outcome code": lambda p: p.correct_end(date(2026, 10, 30), "B"),
    "a mervärde category": lambda p: p.correct_value_added(
        _first_value_added(p).event_id, "social-gemenskap"
    ),
    "a mervärde stage": lambda p: p.correct_value_added(
        _first_value_added(p).event_id, "sprakutveckling", stage="planned"
    ),
    "the planned end": lambda p: p.correct_details(planned_end_date=date(2026, 11, 30)),
    "the age band": lambda p: p.correct_details(age_band="up_to_24"),
    "the terms unchanged": lambda p: p.correct_details(),
    "an assessment's date, same order": lambda p: p.correct_assessment(
        _first_assessment(p), assessed_on=date(2026, 2, 21)
    ),
    "an earlier assessment's comment": lambda p: p.correct_assessment(
        _first_assessment(p), comment="Bara den senaste skrivs ut"
    ),
}
"""Corrections of what no certificate prints: they change the record, not the paper."""


def current(certificates: list[Certificate]) -> Certificate:
    [valid] = [c for c in certificates if not c.revoked]
    return valid


async def printed_record_of(service: Service, certificate: Certificate) -> object:
    async with service.uow as uow:
        stored = await uow.repository.certificate(certificate.id)
    assert stored is not None
    return printed(stored.record)


def corrected_truth(p: Placement) -> object:
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    return printed(state.record)


# --------------------------------------------------------------------------- superseding


@pytest.mark.parametrize("kind", CORRECTIONS)
async def test_a_correction_after_the_issue_supersedes_the_certificate_once(kind: str) -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    correction = CORRECTIONS[kind](p)

    await service.deliver([correction])
    await service.deliver([correction])  # redelivered: no second certificate

    [first, new] = await service.certificates(p.placement_id)
    assert first.id == old.id
    assert first.revoked
    assert first.superseded_by == new.id
    assert first.revocation_reason == "Rättelse: " + correction.payload.reason  # type: ignore[attr-defined]
    assert (new.supersedes, new.revoked, new.language) == (old.id, False, old.language)
    assert new.record_sequence == correction.sequence
    assert await printed_record_of(service, new) == corrected_truth(p)
    assert await service.status(p.placement_id) == ("issued", None, ())
    revoked, issued = service.uow.published[1:]
    assert isinstance(revoked, CertificateRevoked)
    assert isinstance(issued, CertificateIssued)
    assert (revoked.sequence, issued.sequence) == (2, 3)
    assert revoked.payload.superseded_by == new.id
    assert issued.payload.supersedes == old.id
    assert revoked.correlation_id == issued.correlation_id == correction.correlation_id


@pytest.mark.parametrize("kind", NOT_PRINTED)
async def test_a_correction_that_changes_nothing_printed_reissues_nothing(kind: str) -> None:
    p = complete_placement()
    service, old = await issued_service(p)

    await service.deliver([NOT_PRINTED[kind](p)])

    assert await service.certificates(p.placement_id) == [old]
    assert len(service.uow.published) == 1
    assert await service.status(p.placement_id) == ("issued", None, ())


async def test_a_correction_before_an_earlier_gap_waits_and_then_supersedes_once() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    earlier = p.correct_end(date(2026, 10, 23), "A", reason="Fel datum")
    later = p.correct_assessment(_first_assessment(p), level="B1", reason="Fel nivå")

    await service.deliver([later, later])

    assert await service.certificates(p.placement_id) == [old]  # still valid meanwhile
    assert await service.status(p.placement_id) == (
        "waiting",
        f"missing sequence {earlier.sequence}",
        (earlier.sequence,),
    )
    assert len(service.uow.published) == 1
    async with service.uow as uow:
        _, [item] = await queries.waiting(uow, ORG, 10)
        state = await uow.repository.placement(p.placement_id)
    assert state is not None
    assert state.ended_at is not None
    assert item.waiting_since > state.ended_at  # since the correction waits, not since the end
    assert item.waiting_since > old.issued_at

    await service.deliver([earlier, later, earlier])

    certificates = await service.certificates(p.placement_id)
    assert len(certificates) == 2
    new = current(certificates)
    assert new.record_sequence == later.sequence
    assert await printed_record_of(service, new) == corrected_truth(p)
    assert certificates[0].revocation_reason == "Rättelse: Fel datum; Fel nivå"
    assert [type(e).__name__ for e in service.uow.published] == [
        "CertificateIssued",
        "CertificateRevoked",
        "CertificateIssued",
    ]


@pytest.mark.parametrize("order", ORDERS)
async def test_in_any_order_the_valid_certificate_prints_the_corrected_truth(order: str) -> None:
    p = complete_placement()
    p.correct_end(date(2026, 10, 23), "B")
    p.correct_assessment(_first_assessment(p), level="B1")
    service = Service()

    await service.deliver(ORDERS[order](everything(p)))
    await service.deliver(everything(p))  # everything again

    certificates = await service.certificates(p.placement_id)
    assert len(certificates) <= 2  # the first issue, and at most one that supersedes it
    assert await printed_record_of(service, current(certificates)) == corrected_truth(p)
    issued = [e for e in service.uow.published if isinstance(e, CertificateIssued)]
    assert len(issued) == len(certificates)


async def test_a_corrected_name_waits_for_its_identity_and_then_supersedes() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    p.family_name = "Lindqvist"
    correction = p.correct_details(identity_corrected=True, reason="Namnbyte")
    identity = p.identities[-1]

    await service.deliver([correction])

    assert await service.certificates(p.placement_id) == [old]
    assert (await service.status(p.placement_id))[1] == (
        f"no corrected identity for sequence {correction.sequence}"
    )

    await service.deliver([identity, identity])

    new = current(await service.certificates(p.placement_id))
    assert new.supersedes == old.id
    async with service.uow as uow:
        pdf = await queries.certificate_pdf(uow, service.ctx, reader(ORG), new.id)
    assert pdf.endswith(b"Amira Lindqvist")


async def test_the_certificate_keeps_its_language_when_a_correction_supersedes_it() -> None:
    p = complete_placement()
    service, first = await issued_service(p)
    async with service.uow as uow:
        english = await handlers.reissue(uow, service.ctx, ORG, first.id, "Engelska", "c", "en")
        await uow.commit()

    await service.deliver([p.correct_end(date(2026, 10, 23), "B")])

    corrected = current(await service.certificates(p.placement_id))
    assert corrected.supersedes == english.id
    assert corrected.language == "en"


async def test_a_certificate_revoked_by_hand_is_not_replaced_by_a_correction() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    await service.revoke(old)

    await service.deliver([p.correct_end(date(2026, 10, 23), "B")])

    [only] = await service.certificates(p.placement_id)
    assert only.revoked
    assert [type(e).__name__ for e in service.uow.published] == [
        "CertificateIssued",
        "CertificateRevoked",
    ]


async def test_a_correction_supersedes_at_once_even_while_the_new_paper_cannot_be_made() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    renderer = service.ctx.renderer
    assert isinstance(renderer, FakeRenderer)
    renderer.failure = "no glyph"

    await service.deliver([p.correct_end(date(2026, 10, 23), "B")])

    [revoked, new] = await service.certificates(p.placement_id)
    assert revoked.id == old.id
    assert revoked.superseded_by == new.id
    assert (await service.status(p.placement_id))[0] == "issued"
    assert [e.event_type for e in service.uow.published] == [
        "CertificateIssued",
        "CertificateRevoked",
        "CertificateIssued",
    ]
    async with service.uow as uow:
        batch = await handlers.render_backlog(uow, service.ctx, limit=10)
        await uow.commit()
    assert batch.failed[new.id] == "no glyph", "the paper waits in the backlog, with why"


# --------------------------------------------------------------------------- withdrawal


async def test_withdrawal_revokes_the_certificate_with_its_reason_and_nothing_follows() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    withdrawal = p.withdraw("Dubbelregistrerad")

    await service.deliver([withdrawal])
    await service.deliver([withdrawal, p.events[-2]])  # redelivered withdrawal and end
    await service.deliver([p.correct_end(date(2026, 10, 23), "B")])
    await service.deliver(everything(p)[::-1])

    [revoked] = await service.certificates(p.placement_id)
    assert revoked.id == old.id
    assert revoked.revocation_reason == "Dubbelregistrerad"
    assert revoked.superseded_by is None
    assert (await service.status(p.placement_id))[0] == "withdrawn"
    [event] = service.published(CertificateRevoked)
    assert isinstance(event, CertificateRevoked)
    assert (event.sequence, event.correlation_id) == (2, withdrawal.correlation_id)
    assert event.payload.reason == "Dubbelregistrerad"
    assert event.payload.superseded_by is None
    assert len(service.published(CertificateIssued)) == 1
    async with service.uow as uow:
        found = await verification.verify_certificate(uow, service.ctx, PUBLIC, old.id)
        revoked_bits = await uow.repository.revoked_indices(old.status_entry.list_id)
    assert found is not None
    assert found.certificate.revoked
    assert found.record is None  # the page names no one
    assert revoked_bits == [old.status_entry.index]


async def test_a_withdrawal_before_the_end_means_no_certificate_ever() -> None:
    p = complete_placement()
    withdrawal = p.withdraw("Registrerad av misstag")
    service = Service()

    await service.deliver([withdrawal])
    await service.deliver(everything(p))

    assert await service.certificates(p.placement_id) == []
    assert await service.status(p.placement_id) == ("withdrawn", None, ())
    assert service.uow.published == []
    async with service.uow as uow:
        summary, _ = await queries.waiting(uow, None, 100)
    assert summary.count == 0  # not waiting either


async def test_a_withdrawn_placements_certificate_cannot_be_reissued_by_hand() -> None:
    p = complete_placement()
    service, old = await issued_service(p)
    await service.revoke(old)
    await service.deliver([p.withdraw("Fel person")])

    with pytest.raises(CannotIssue, match="withdrawn: Fel person"):
        await service.reissue(old)


async def test_a_long_withdrawal_reason_is_shortened_to_what_a_revocation_carries() -> None:
    p = complete_placement()
    service, _ = await issued_service(p)

    await service.deliver([p.withdraw("x" * 600)])

    [event] = service.published(CertificateRevoked)
    assert isinstance(event, CertificateRevoked)
    assert len(event.payload.reason) == handlers.REASON_LIMIT
    assert event.payload.reason.endswith("…")
