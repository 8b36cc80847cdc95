"""Personal data in the certificates use cases, on the fakes: retention takes the identity out
of everything stored about the placement but the signed credential, which never held it; the
certificate still verifies, without a name; the register extract gives what is held."""

from __future__ import annotations

import json
from datetime import date

import pytest

from certificates.domain.certificate import IdentityErased
from certificates.service import queries, verification
from certificates.service.extract import register_extract
from certificates.service.retention import erase_expired
from runtime.access_log import Reader
from tests.unit.certificates.factory import PERSONNUMMER, complete_placement
from tests.unit.certificates.fakes import PUBLIC, reader
from tests.unit.certificates.test_handlers import Service, issued_service

TODAY = date(2027, 6, 30)
ADMIN = Reader("placements", "admin", None, "POST /participants/register-extract", "case-1")
DIGITS = PERSONNUMMER.replace("-", "")


async def test_past_the_period_only_the_signed_credential_keeps_the_certificate() -> None:
    service, certificate = await issued_service(
        complete_placement(producer="sf")
    )  # ended 2026-10-30
    async with service.uow as uow:
        before = await uow.repository.certificate(certificate.id)
    assert before is not None

    async with service.uow as uow:
        assert await erase_expired(lambda: uow, TODAY, date(2026, 10, 29)) == {
            "placements": 0,
            "identities": 0,
            "certificates": 0,
        }, "ended the day after: not yet"
    erased = await erase_expired(lambda: service.uow, TODAY, date(2026, 10, 30))
    assert erased == {"placements": 1, "identities": 1, "certificates": 1}

    async with service.uow as uow:
        after = await uow.repository.certificate(certificate.id)
        assert await uow.repository.identities_of(DIGITS, None) == []
        assert await uow.repository.pdf(certificate.id) is None
        found = await verification.verify_certificate(uow, service.ctx, PUBLIC, certificate.id)
        presented = await verification.verify_presented(
            uow, service.ctx, PUBLIC, json.loads(before.credential)
        )
        with pytest.raises(IdentityErased):
            await queries.certificate_pdf(uow, service.ctx, reader("sf"), certificate.id)
    assert after is not None
    assert after.credential == before.credential, "the signed credential stays as issued"
    assert (after.record.given_name, after.record.birth_date) == ("", None)
    assert after.record.identity_erased
    assert after.record.role == before.record.role
    assert found is not None
    assert found.genuine
    assert presented is not None
    assert presented.genuine


async def test_the_extract_gives_the_identities_certificates_and_reads_held() -> None:
    service, certificate = await issued_service(complete_placement(producer="sf"))
    other = Service()
    async with service.uow as uow:
        await queries.certificate_pdf(uow, service.ctx, reader("sf"), certificate.id)
        await uow.commit()
    async with service.uow as uow:
        held = await register_extract(uow, ADMIN, DIGITS, None)
        mine = await register_extract(uow, reader("sf"), DIGITS, "sf")
        none = await register_extract(uow, reader("kf"), DIGITS, "kf")
        await uow.commit()
    async with other.uow as uow:
        assert (await register_extract(uow, ADMIN, DIGITS, None)).placements == []
    [placement] = held.placements
    assert mine.placements == held.placements
    assert none.placements == []
    assert [i.payload.personnummer for i in placement.identities] == [PERSONNUMMER]
    assert [c.certificate.id for c in placement.certificates] == [certificate.id]
    assert [r.action for r in held.reads] == ["GET /test"], "the PDF read before"
    assert [a.owners for a in service.uow.accesses] == [("sf",), ("sf",), ("sf",), ()]
