"""A placement ends: the running service issues its kompetensintyg (PDF/A and a signed credential)
and publishes CertificateIssued."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates.bootstrap import build_pdf_worker
from certificates.signing.proof import verify_credential
from contracts.events import CertificateIssued, PlacementEnded
from contracts.reference import load_reference_data
from tests.integration.certificates.conftest import BASE_URL, Service, placement
from tests.unit.certificates.factory import PERSONNUMMER
from tests.unit.certificates.test_one_file import attachments
from tests.unit.certificates.test_pdf import qr_codes_on_page_one, text_of, xmp_of

pytestmark = pytest.mark.integration

REFERENCE = load_reference_data()


async def issued_placement(service: Service) -> tuple[Any, uuid.UUID]:
    p = placement()
    await service.publish_placement(p)
    return p, await service.issued(p.placement_id)


async def public_key(service: Service) -> str:
    async with service.client(None) as client:
        document = (await client.get("/issuer")).json()
    [method] = document["verificationMethod"]
    assert document["assertionMethod"] == [method["id"]]
    return str(method["publicKeyMultibase"])


async def test_the_pdf_shows_name_period_and_every_module_never_the_personnummer(
    service: Service,
) -> None:
    p, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        response = await client.get(f"/certificates/{certificate_id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    text = text_of(pdf)

    assert "Amira Haddad Lindqvist" in text
    assert "2026-01-12 – 2026-10-30" in text
    assessed = {e.payload.module for e in p.events if e.event_type == "ModuleAssessed"}
    assert len(assessed) == 3
    latest = {"sprak": "B1", "sociala-fardigheter": "3", "praktiskt-kunnande": "3"}
    for module, level in latest.items():
        assert REFERENCE.module(module).name.sv in text
        level_name = REFERENCE.scale_for(module).level(level).name.sv
        assert f"Nivå {level} – {level_name}" in text
    squeezed = re.sub(r"\s", "", text)
    assert PERSONNUMMER not in text
    assert PERSONNUMMER.replace("-", "") not in squeezed
    assert PERSONNUMMER[-4:] not in text
    assert PERSONNUMMER[-4:].encode() not in pdf


async def test_the_pdf_declares_pdf_a_and_its_qr_code_is_the_printed_verification_url(
    service: Service,
) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        described = (await client.get(f"/certificates/{certificate_id}")).json()
        pdf = (await client.get(f"/certificates/{certificate_id}/pdf")).content

    url = f"{BASE_URL}/verify/{certificate_id}"
    assert described["links"]["verification"] == url
    assert qr_codes_on_page_one(pdf) == [url]
    assert url in text_of(pdf)
    xmp = xmp_of(pdf)
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp)  # PDF/A-3: it carries the credential
    assert re.search(r"pdfaid:conformance(?:>|=\")A", xmp)


async def test_english_on_request_is_the_same_certificate(service: Service) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        swedish = (await client.get(f"/certificates/{certificate_id}")).json()
        english = await client.get(f"/certificates/{certificate_id}/pdf?language=en")
    assert english.status_code == 200
    text = text_of(english.content)
    assert "Certificate of competence" in text
    assert swedish["number"] in text
    assert qr_codes_on_page_one(english.content) == [f"{BASE_URL}/verify/{certificate_id}"]


async def test_the_credential_proof_verifies_and_one_changed_byte_breaks_it(
    service: Service,
) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        response = await client.get(f"/certificates/{certificate_id}/credential")
    assert response.status_code == 200
    raw = response.content
    credential = json.loads(raw)
    key = await public_key(service)

    assert credential["id"] == certificate_id.urn
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"  # an array (OB 3.0)
    assert verify_credential(credential, key)

    position = raw.index(b"Biblioteksassistent")
    changed = raw[:position] + b"b" + raw[position + 1 :]  # one byte: B -> b
    assert json.loads(changed) != credential
    assert not verify_credential(json.loads(changed), key)

    async with service.client(None, **{"Content-Type": "application/json"}) as public:
        genuine = (await public.post("/verify", content=raw)).json()
        forged = (await public.post("/verify", content=changed)).json()
    assert genuine["genuine"] is True
    assert genuine["status"] == "valid"
    assert genuine["certificate_id"] == str(certificate_id)
    assert forged["genuine"] is False
    assert forged["name"] is None  # a forgery learns nothing


async def test_certificate_issued_is_published_and_matches_the_contract(
    service: Service,
) -> None:
    p, certificate_id = await issued_placement(service)
    [message] = await service.published()

    event = CertificateIssued.model_validate(message)
    [ended] = [e for e in p.events if isinstance(e, PlacementEnded)]
    assert message["_routing_key"] == "sf.CertificateIssued"
    assert message["_message_id"] == str(event.event_id)
    assert event.producer == "sf"
    assert event.placement_id == p.placement_id
    assert event.sequence == 1
    assert event.correlation_id == ended.correlation_id
    assert event.payload.certificate_id == certificate_id
    assert event.payload.organisation == "sf"
    assert event.payload.supersedes is None
    async with service.client("sf") as client:
        described = (await client.get(f"/certificates/{certificate_id}")).json()
    assert event.payload.certificate_number == described["number"]
    assert re.fullmatch(r"KI-\d{4}-\d{6}", described["number"])


async def test_the_verification_page_shows_the_paper_and_not_the_personnummer(
    service: Service,
) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client(None) as public:
        page = await public.get(f"/verify/{certificate_id}", headers={"Accept": "text/html"})
        answer = (
            await public.get(f"/verify/{certificate_id}", headers={"Accept": "application/json"})
        ).json()

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in page.text
    assert "Intyget är äkta och giltigt" in page.text
    assert "Amira Haddad Lindqvist" in page.text
    assert answer["genuine"] is True
    assert answer["status"] == "valid"
    assert answer["revoked"] is False
    assert answer["issuer"]["name"] == "Malmö stad"
    assert answer["organisation"] == "Serviceförvaltningen"
    assert answer["name"] == "Amira Haddad Lindqvist"
    assert {m["module"]: m["level"] for m in answer["modules"]} == {
        "sprak": "B1",
        "sociala-fardigheter": "3",
        "praktiskt-kunnande": "3",
    }
    for shown in (page.text, json.dumps(answer)):
        assert PERSONNUMMER[-4:] not in shown
        assert "1990-05-17" not in shown  # the birth date stays on the paper


async def test_the_verification_of_a_valid_certificate_says_nothing_the_paper_does_not(
    service: Service,
) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        paper = text_of((await client.get(f"/certificates/{certificate_id}/pdf")).content)
    async with service.client(None) as public:
        page = (await public.get(f"/verify/{certificate_id}")).text
        answer = (await public.get(f"/verify/{certificate_id}?format=json")).json()

    facts = [
        answer["name"],
        answer["role"],
        answer["workplace"],
        answer["organisation"],
        answer["certificate_number"],
        answer["issued_on"],
        answer["period"]["start"],
        answer["period"]["end"],
        f"{answer['employment_rate']} % av heltid",
        *(m["name"] for m in answer["modules"]),
        *(f"{m['level']} – {m['level_name']}" for m in answer["modules"]),
    ]
    for fact in facts:
        assert fact in paper
    shown = re.findall(r"<(?:dd|td)>(.*?)</(?:dd|td)>", page, flags=re.DOTALL)
    assert len(shown) == 8 + 2 * len(answer["modules"])
    for value in shown:
        for part in re.split(r", | – ", " ".join(value.split())):
            assert part in paper


async def test_the_pdf_carries_the_credential_as_served_and_is_sealed(
    service: Service, tmp_path: Path
) -> None:
    _, certificate_id = await issued_placement(service)
    async with service.client("sf") as client:
        pdf = (await client.get(f"/certificates/{certificate_id}/pdf")).content
        served = (await client.get(f"/certificates/{certificate_id}/credential")).content
        english = (await client.get(f"/certificates/{certificate_id}/pdf?language=en")).content

    for paper in (pdf, english):
        [content] = [c for contents in attachments(paper).values() for c in contents]
        assert content == served
    async with service.client(None, **{"Content-Type": "application/json"}) as public:
        answer = (await public.post("/verify", content=content)).json()
    assert answer["genuine"] is True
    assert answer["certificate_id"] == str(certificate_id)

    [seal] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[seal.signer_cert])  # the demo's self-signed seal
    status = await async_validate_pdf_signature(seal, context)
    assert status.intact
    assert status.valid
    assert status.signing_cert.subject.native["organization_name"] == "Malmö stad"

    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is missing: run scripts/ensure-test-tools.sh (make test does)"
    checked = await asyncio.to_thread(subprocess.run, [qpdf, "--check", str(path)], check=False)
    assert checked.returncode == 0


async def test_two_pdf_workers_render_the_backlog_once_and_a_download_gets_the_stored_pdf(
    service: Service,
) -> None:
    placements = [placement() for _ in range(3)]
    for p in placements:
        await service.publish_placement(p)
    ids = [await service.issued(p.placement_id) for p in placements]
    pending = "SELECT count(*) FROM pdf_backlog"
    assert await service.count(pending) == 3, "issued before any PDF exists"
    assert await service.count("SELECT count(*) FROM certificates WHERE pdf IS NULL") == 3

    workers = [build_pdf_worker(service.pool, service.context) for _ in range(2)]
    claimed = await asyncio.gather(*(w.render_once() for w in workers))  # SKIP LOCKED: shared
    claimed.extend([await workers[0].render_once()])

    assert sum(claimed) == 3
    assert await service.count(pending) == 0
    async with service.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT pdf FROM certificates WHERE id = $1", ids[0])
    async with service.client("sf") as client:
        response = await client.get(f"/certificates/{ids[0]}/pdf")
    assert response.status_code == 200
    assert response.content == stored, "served as stored, not rendered again"
