"""The public verification reveals no more than it must: a valid certificate's answer repeats
the paper; a revoked or superseded one's says so with only its number, issuer and dates."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

from certificates.api.schemas import VerificationOut
from certificates.api.verification import verification_out
from certificates.presentation.verification_page import render_page
from certificates.service import verification
from tests.unit.certificates.factory import complete_placement
from tests.unit.certificates.fakes import PUBLIC
from tests.unit.certificates.test_handlers import Service, issued_service

# What the paper says about the person and the placement (factory.complete_placement).
CONTENT = (
    "Amira",
    "Haddad Lindqvist",
    "Biblioteksassistent",
    "Stadsbiblioteket",
    "Barnavdelningen",
    "Serviceförvaltningen",
    "2026-01-12",
    "2026-10-30",
    "Språk",
    "Mellannivå",
)
ORG = "sf"  # in the organisation register: Serviceförvaltningen
CONTENT_FIELDS = ("organisation", "name", "role", "workplace", "period", "employment_rate")


async def answer_and_page(
    service: Service, certificate_id: uuid.UUID
) -> tuple[VerificationOut, str]:
    async with service.uow as uow:
        found = await verification.verify_certificate(uow, service.ctx, PUBLIC, certificate_id)
    assert found is not None
    answer = verification_out(found, service.ctx)
    return answer, render_page(answer, service.ctx.issuer_name)


def visible_text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


async def test_a_valid_certificate_shows_what_the_paper_says() -> None:
    service, certificate = await issued_service(complete_placement(producer=ORG))

    answer, page = await answer_and_page(service, certificate.id)

    assert answer.status == "valid"
    assert answer.name == "Amira Haddad Lindqvist"
    assert answer.organisation == "Serviceförvaltningen"
    assert [m.module for m in answer.modules] == [
        "sprak",
        "sociala-fardigheter",
        "praktiskt-kunnande",
    ]
    for shown in CONTENT:
        assert shown in answer.model_dump_json()
        assert shown in page


async def test_a_revoked_certificate_shows_only_its_number_issuer_and_dates() -> None:
    service, certificate = await issued_service(complete_placement(producer=ORG))
    revoked = await service.revoke(certificate, org=ORG)

    answer, page = await answer_and_page(service, certificate.id)

    assert (answer.status, answer.revoked, answer.genuine) == ("revoked", True, True)
    assert answer.certificate_number == certificate.number
    assert answer.issuer is not None
    assert answer.issuer.name == "Malmö stad"
    assert answer.issued_on == date(2026, 11, 2)
    assert revoked.revoked_at is not None
    assert answer.revoked_on == service.ctx.local_date(revoked.revoked_at)
    dumped = answer.model_dump(mode="json")
    assert all(dumped[field] is None for field in CONTENT_FIELDS)
    assert dumped["modules"] == []
    text = visible_text(page)
    assert "Intyget är återkallat" in text
    assert f"Intygsnummer {certificate.number}" in text
    assert f"Återkallat {answer.revoked_on.isoformat()}" in text
    assert "Utfärdat 2026-11-02" in text
    for hidden in CONTENT:
        assert hidden not in json.dumps(dumped, ensure_ascii=False)
        assert hidden not in page


async def test_a_superseded_certificate_says_so_and_names_no_one_nor_its_replacement() -> None:
    placement = complete_placement(producer=ORG)
    service, old = await issued_service(placement)
    new = await service.reissue(old, org=ORG)

    answer, page = await answer_and_page(service, old.id)

    assert (answer.status, answer.revoked) == ("superseded", True)
    assert answer.certificate_number == old.number
    assert answer.revoked_on is not None
    dumped = answer.model_dump(mode="json")
    assert all(dumped[field] is None for field in CONTENT_FIELDS)
    assert dumped["modules"] == []
    text = visible_text(page)
    assert "Intyget är ersatt" in text
    assert f"Ersatt {answer.revoked_on.isoformat()}" in text
    assert "äkta och giltigt" not in text
    for hidden in (*CONTENT, str(new.id), new.number):
        assert hidden not in json.dumps(dumped, ensure_ascii=False)
        assert hidden not in page
    current, _ = await answer_and_page(service, new.id)
    assert current.status == "valid"
    assert current.name == "Amira Haddad Lindqvist"
