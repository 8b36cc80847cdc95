"""The kompetensintyg PDF: what it says, what it must not say, and that it is PDF/A."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp

from certificates.domain.record import CompetenceRecord, Ready, build_record
from certificates.presentation.pdf import CertificateInfo, PdfRenderError, render_certificate_pdf
from contracts.reference import load_reference_data
from tests.unit.certificates.factory import PERSONNUMMER, complete_placement

REFERENCE = load_reference_data()
URL = "https://intyg.malmo.se/verifiera/Zk3q9VYb2mRrXwq1sT0aHg"
INFO = CertificateInfo(
    certificate_number="KI-2026-000517",
    issued_on=date(2026, 11, 2),
    verification_url=URL,
    organisation_name="Serviceförvaltningen",
    issuer_name="Malmö stad",
)


def record_for(
    given_name: str = "Amira", family_name: str = "Haddad Lindqvist"
) -> CompetenceRecord:
    p = complete_placement(given_name=given_name, family_name=family_name)
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    return state.record


@pytest.fixture(scope="module")
def record() -> CompetenceRecord:
    return record_for()


@pytest.fixture(scope="module")
def pdf_sv(record: CompetenceRecord) -> bytes:
    return render_certificate_pdf(record, INFO, REFERENCE)


@pytest.fixture(scope="module")
def pdf_en(record: CompetenceRecord) -> bytes:
    return render_certificate_pdf(record, INFO, REFERENCE, language="en")


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def catalog(pdf: bytes) -> pypdf.generic.DictionaryObject:
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert isinstance(root, pypdf.generic.DictionaryObject)
    return root


def xmp_of(pdf: bytes) -> str:
    stream = catalog(pdf)["/Metadata"].get_object()
    assert isinstance(stream, pypdf.generic.StreamObject)
    return stream.get_data().decode("utf-8")


def qr_codes_on_page_one(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    bitmap = page.render(scale=200 / 72, grayscale=True)
    assert bitmap.stride == bitmap.width  # one byte per pixel, no row padding
    image = memoryview(bitmap.buffer).cast("B", (bitmap.height, bitmap.width))
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_pdf_holds_name_birth_date_workplace_period_and_extent(pdf_sv: bytes) -> None:
    text = text_of(pdf_sv)
    assert "Kompetensintyg" in text
    assert "Amira Haddad Lindqvist" in text
    assert "Född 1990-05-17" in text
    assert "Serviceförvaltningen" in text
    assert "Stadsbiblioteket, Barnavdelningen" in text
    assert "Biblioteksassistent" in text
    assert "Extratjänst" in text
    assert "2026-01-12 – 2026-10-30" in text
    assert "75 % av heltid" in text
    assert "Låna ut och ta emot böcker" in text
    assert "Karin Ek" in text
    assert "KI-2026-000517" in text
    assert "2026-11-02" in text
    assert URL in text


def test_every_assessed_module_appears_with_its_level_descriptor_and_comment(
    pdf_sv: bytes, record: CompetenceRecord
) -> None:
    text = text_of(pdf_sv)
    assert len(record.modules) == 3
    for result in record.modules:
        module = REFERENCE.module(result.module)
        level = REFERENCE.scale_for(result.module).level(result.latest_level)
        assert module.name.sv in text
        assert f"Nivå {result.latest_level} – {level.name.sv}" in text
        descriptor = " ".join(module.descriptor(result.latest_level).sv.split())
        assert descriptor[:60] in text  # the start of the module-specific descriptor
        assert result.comment in text
    assert "Uppfyllda kriterier: Hörförståelse, Muntlig interaktion" in text
    assert "utveckling från nivå A2" in text
    assert "Allmänna kompetenser" not in text  # not assessed: left out, not shown as a gap
    assert "Inte bedömt" not in text


def test_the_pdf_never_shows_the_personnummer(pdf_sv: bytes, pdf_en: bytes) -> None:
    digits = PERSONNUMMER.replace("-", "")
    last_four = PERSONNUMMER[-4:]
    for pdf in (pdf_sv, pdf_en):
        text = text_of(pdf)
        squeezed = re.sub(r"\s", "", text)
        assert PERSONNUMMER not in text
        assert digits not in squeezed
        assert PERSONNUMMER[2:] not in text  # the ten-digit form
        assert last_four not in text
        assert re.search(r"1990-?05-?17\W{0,3}" + last_four, text) is None
        assert last_four.encode() not in pdf  # not even in the metadata


def test_the_pdf_declares_pdf_a_3a_with_title_issuer_and_language(pdf_sv: bytes) -> None:
    xmp = xmp_of(pdf_sv)
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([ABU])", xmp)
    assert part is not None
    assert part.group(1) == "3"
    assert conformance is not None
    assert conformance.group(1) == "A"
    root = catalog(pdf_sv)
    assert str(root["/Lang"]) == "sv-SE"
    info = pypdf.PdfReader(io.BytesIO(pdf_sv)).metadata
    assert info is not None
    assert info.title == "Kompetensintyg – Amira Haddad Lindqvist"
    assert info.author is not None
    assert "Malmö stad" in info.author
    assert "/OutputIntents" in root


def test_the_pdf_is_tagged(pdf_sv: bytes) -> None:
    root = catalog(pdf_sv)
    assert "/StructTreeRoot" in root
    mark_info = root["/MarkInfo"]
    assert isinstance(mark_info, pypdf.generic.DictionaryObject)
    assert mark_info["/Marked"] == pypdf.generic.BooleanObject(True)


def test_english_on_request(pdf_en: bytes) -> None:
    text = text_of(pdf_en)
    assert "Certificate of competence" in text
    assert "Kompetensintyg" not in text
    assert "Date of birth 17 May 1990" in text
    assert "12 January 2026 – 30 October 2026" in text
    assert "75% of full time" in text
    assert "Level B1 – Threshold" in text
    assert "Language" in text
    assert "Social skills" in text
    assert "Practical skills" in text
    assert str(catalog(pdf_en)["/Lang"]) == "en-GB"
    assert "pdfaid:part" in xmp_of(pdf_en)


def test_the_qr_code_on_page_one_decodes_to_the_verification_url(pdf_sv: bytes) -> None:
    assert qr_codes_on_page_one(pdf_sv) == [URL]


def test_typst_markup_in_names_and_comments_is_printed_literally() -> None:
    given, family = "#set text(red)", "*_$ [x] <y> @z \\ `raw` #{1+1}"
    record = record_for(given_name=given, family_name=family)
    comment = '= Rubrik #emph[kursiv] ") #panic("x")'
    modules = (dataclasses.replace(record.modules[0], comment=comment), *record.modules[1:])
    record = dataclasses.replace(record, modules=modules, role="#strong[Roll]")
    text = text_of(render_certificate_pdf(record, INFO, REFERENCE))
    assert f"{given} {family}" in text
    assert comment in text
    assert "#strong[Roll]" in text


def test_rendering_is_deterministic(record: CompetenceRecord, pdf_sv: bytes) -> None:
    assert render_certificate_pdf(record, INFO, REFERENCE) == pdf_sv


def test_a_corrected_certificate_says_which_one_it_replaces(record: CompetenceRecord) -> None:
    info = CertificateInfo(
        certificate_number="KI-2026-000518",
        issued_on=date(2026, 11, 9),
        verification_url=URL,
        organisation_name="Serviceförvaltningen",
        supersedes="KI-2026-000517",
    )
    text = text_of(render_certificate_pdf(record, info, REFERENCE))
    assert "ersätter intyg KI-2026-000517" in text


def test_an_unknown_language_is_refused(record: CompetenceRecord) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        render_certificate_pdf(record, INFO, REFERENCE, language="de")  # type: ignore[arg-type]


def test_characters_the_fonts_lack_in_free_text_are_replaced_not_fatal() -> None:
    record = record_for()
    comment = "Mycket bra 👍🏽 och 李 – hälsningar"
    modules = (dataclasses.replace(record.modules[0], comment=comment), *record.modules[1:])
    record = dataclasses.replace(record, modules=modules, tasks=("Sortera post 📬",))
    text = text_of(render_certificate_pdf(record, INFO, REFERENCE))
    assert "Mycket bra" in text
    assert "hälsningar" in text
    assert "Sortera post ?" in text
    assert "👍" not in text


def test_a_name_the_fonts_cannot_show_is_an_error_not_a_wrong_name() -> None:
    record = record_for(given_name="李")
    with pytest.raises(PdfRenderError, match="participant's name"):
        render_certificate_pdf(record, INFO, REFERENCE)
