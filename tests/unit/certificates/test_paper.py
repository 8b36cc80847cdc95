"""The kompetensintyg as a jobseeker shows it to an employer: translated, signed, with a
reference and a summary, on one page, without gaps. Both languages are kept as PNG images
under ``var/test-artefacts/`` (git-ignored) for people to look at."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import pytest
from PIL import Image

from certificates.bootstrap import letterhead
from certificates.domain.record import CompetenceRecord, Ready, build_record, printed
from certificates.presentation.emblem import Emblem
from certificates.presentation.labels import LABELS
from certificates.presentation.pdf import Letterhead, certificate_data, render_certificate_pdf
from certificates.settings import CertificatesSettings
from contracts.reference import Language
from tests.unit.certificates.factory import complete_placement
from tests.unit.certificates.test_credential import credential_for
from tests.unit.certificates.test_pdf import (
    INFO,
    REFERENCE,
    catalog,
    record_for,
    text_of,
    xmp_of,
)

ARTEFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artefacts"
DEMO = letterhead(CertificatesSettings(emblem_file=None))


def render(record: CompetenceRecord, language: Language, head: Letterhead = DEMO) -> bytes:
    return render_certificate_pdf(record, INFO, REFERENCE, language, head)


@pytest.fixture(scope="module")
def record() -> CompetenceRecord:
    return record_for()


@pytest.fixture(scope="module")
def papers(record: CompetenceRecord) -> dict[Language, bytes]:
    return {language: render(record, language) for language in ("sv", "en")}


def rendered_page(pdf: bytes, index: int = 0, dpi: int = 110) -> Image.Image:
    page = pypdfium2.PdfDocument(pdf)[index]
    image: Image.Image = page.render(scale=dpi / 72).to_pil()
    return image


def lowest_ink(image: Image.Image, above: float) -> float:
    """How far down the page (0-1) the last dark pixel is, looking above ``above``."""
    grey = image.convert("L")
    limit = int(grey.height * above)
    box = grey.crop((0, 0, grey.width, limit)).point(lambda v: 255 if v < 200 else 0).getbbox()
    return 0.0 if box is None else box[3] / grey.height


def label_text(value: str) -> str:
    """The fixed words of a label, up to its first placeholder."""
    return value.split("{", 1)[0].strip(" :–(")


# --------------------------------------------------------------------------- artefacts


def test_both_languages_render_to_one_page_kept_as_png(papers: dict[Language, bytes]) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for language, pdf in papers.items():
        assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
        path = ARTEFACTS / f"certificate-{language}.png"
        rendered_page(pdf, dpi=120).save(path)
        print(f"\ncertificate ({language}): {path}")
        assert path.stat().st_size > 20_000


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize(("language", "other"), [("en", "sv"), ("sv", "en")])
def test_no_label_of_the_other_language_is_left(
    papers: dict[Language, bytes], language: Language, other: Language
) -> None:
    text = text_of(papers[language])
    for key, value in LABELS[other].items():
        if not isinstance(value, str) or value == LABELS[language][key]:
            continue
        words = label_text(value)
        if len(words) >= 5:
            assert words not in text, key
    if language == "en":
        assert "handledare" not in text.casefold()  # the assessor role, translated
        assert "Kommentar" not in text


def test_both_languages_have_the_same_labels() -> None:
    assert LABELS["sv"].keys() == LABELS["en"].keys()


def test_every_level_descriptor_has_its_own_english_text() -> None:
    for module in REFERENCE.modules:
        for level, text in module.level_descriptors.items():
            assert text.en != text.sv, (module.code, level)
            assert not re.search(r"[åäöÅÄÖ]", text.en), (module.code, level)


def test_the_english_paper_prints_the_english_descriptors_and_marks_free_text(
    papers: dict[Language, bytes], record: CompetenceRecord
) -> None:
    text = text_of(papers["en"])
    for result in record.modules:
        descriptor = REFERENCE.module(result.module).descriptor(result.latest_level).en
        assert " ".join(descriptor.split())[:70] in text
    assert "The supervisor's comment, as written: “Samtalar med besökare" in text
    assert "Tasks, as described by the employer – Låna ut och ta emot böcker" in text
    swedish = text_of(papers["sv"])
    assert "Handledarens kommentar, med egna ord: ”Samtalar med besökare" in swedish
    assert "Arbetsuppgifter, som arbetsgivaren beskrivit dem" in swedish


def test_another_assessor_role_is_named_as_written(record: CompetenceRecord) -> None:
    modules = (dataclasses.replace(record.modules[0], assessor_role="arbetsledare"),)
    text = text_of(render(dataclasses.replace(record, modules=modules), "en"))
    assert "Comment by the arbetsledare, as written:" in text


# --------------------------------------------------------------------------- who stands behind it


def test_emblem_signatory_contact_and_the_supervisor_as_reference(
    papers: dict[Language, bytes],
) -> None:
    swedish, english = text_of(papers["sv"]), text_of(papers["en"])
    assert "Utfärdat för Malmö stad av Maria Berg Avdelningschef, Arbetsmarknads-" in swedish
    assert "Issued for Malmö stad by Maria Berg Head of Department, Labour Market" in english
    assert "kompetensintyg@malmo.example" in swedish
    assert "Referens Karin Ek handledare vid Stadsbiblioteket, Barnavdelningen" in swedish
    assert "Reference Karin Ek supervisor at Stadsbiblioteket, Barnavdelningen" in english
    assert "Contact through the issuer." in english
    assert alt_in(papers["sv"], "Malmö stads emblem")
    assert alt_in(papers["en"], "Emblem of Malmö stad")


def alt_in(pdf: bytes, alt: str) -> bool:
    """Whether a figure in the structure tree has ``alt`` as its alternative text."""
    found: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            walk(node.get("/K"))
        elif isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)

    walk(catalog(pdf)["/StructTreeRoot"])
    return alt in found


def test_without_a_contact_the_reference_does_not_point_to_one(record: CompetenceRecord) -> None:
    text = text_of(render(record, "en", dataclasses.replace(DEMO, contact_email=None)))
    assert "Reference Karin Ek supervisor at Stadsbiblioteket" in text
    assert "Contact through the issuer" not in text
    assert "Questions about this certificate" not in text


def test_a_configured_emblem_file_is_printed(record: CompetenceRecord, tmp_path: Path) -> None:
    path = tmp_path / "emblem.png"
    Image.new("RGB", (37, 45), (200, 30, 30)).save(path)
    pdf = render(record, "sv", dataclasses.replace(DEMO, emblem=Emblem.from_file(path)))
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    sizes = {(image.image.width, image.image.height) for image in page.images if image.image}
    assert (37, 45) in sizes
    red = rendered_page(pdf).convert("RGB").getcolors(1_000_000) or []
    assert any(colour == (200, 30, 30) for _, colour in red)


def test_an_emblem_that_is_no_image_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "emblem.gif"
    path.write_bytes(b"GIF89a")
    with pytest.raises(ValueError, match="not an SVG, PNG or JPEG"):
        Emblem.from_file(path)


# --------------------------------------------------------------------------- what it says first


def test_a_short_profile_comes_first_with_months_and_hours(papers: dict[Language, bytes]) -> None:
    swedish, english = text_of(papers["sv"]), text_of(papers["en"])
    summary_sv = (
        "10 månader som Biblioteksassistent vid Stadsbiblioteket, Barnavdelningen, 30 timmar i "
        "veckan. Bedömd i arbetet: språk B1 (Mellannivå), sociala färdigheter 3 (Självständigt) "
        "och praktiskt kunnande 3 (Självständigt)."
    )
    assert summary_sv in swedish
    assert swedish.index(summary_sv) < swedish.index("Anställningen")
    assert "10 months as Biblioteksassistent at Stadsbiblioteket, Barnavdelningen, 30 hours" in (
        english
    )
    assert "2026-01-12 – 2026-10-30 (10 månader)" in swedish
    assert "Arbetstid 30 timmar i veckan (75 % av heltid)" in swedish
    assert "Working hours 30 hours a week (75% of full time)" in english


@pytest.mark.parametrize(
    ("rate", "end", "sv", "en"),
    [
        (33, date(2026, 2, 22), "6 veckor", "13.2 hours"),
        (100, date(2026, 1, 18), "1 vecka", "40 hours"),
        (50, date(2027, 1, 11), "12 månader", "20 hours"),
    ],
)
def test_period_and_hours_a_week(
    record: CompetenceRecord, rate: int, end: date, sv: str, en: str
) -> None:
    changed = dataclasses.replace(record, employment_rate=rate, end_date=end)
    assert sv in certificate_data(changed, INFO, REFERENCE, "sv")["placement"]["period"]
    assert en in certificate_data(changed, INFO, REFERENCE, "en")["summary"]
    assert changed.hours_per_week == rate * 40 / 100


def test_the_programme_is_named_plainly_but_not_as_the_headline(
    papers: dict[Language, bytes],
) -> None:
    plainly: dict[Language, str] = {"sv": "Anställningsform Extratjänst", "en": "Extra job"}
    for language, plain in plainly.items():
        text = text_of(papers[language])
        assert plain in text
        headline = text[: text.index(LABELS[language]["placement_heading"])]
        assert "tjänst" not in headline.casefold()
        assert "arbetsmarknad" not in headline.casefold()
        assert "labour-market" not in headline


# --------------------------------------------------------------------------- no gaps


def test_modules_not_assessed_are_left_out(papers: dict[Language, bytes]) -> None:
    absent: dict[Language, tuple[str, ...]] = {
        "sv": ("Allmänna kompetenser", "Inte bedömt", "bedömt under"),
        "en": ("General competences", "Not assessed", "not assessed"),
    }
    for language, gaps in absent.items():
        text = text_of(papers[language])
        for words in gaps:
            assert words not in text


def test_the_latest_level_is_shown_never_a_decline() -> None:
    p = complete_placement()
    p.assess("sprak", "A2", date(2026, 10, 25), "Mindre säker i telefon.")
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    text = text_of(render(state.record, "sv"))
    assert "Språk · Nivå A2 – Grundläggande" in text
    assert "Mindre säker i telefon." in text
    assert "Nivå B1" not in text
    assert "språk A2 (Grundläggande)" in text
    assert "första bedömning" not in text


def test_a_long_record_fills_its_pages_without_large_empty_areas(
    record: CompetenceRecord,
) -> None:
    p = complete_placement()
    long = " ".join(["Tar eget ansvar för sina uppgifter och planerar dagen väl."] * 6)
    p.assess("allmanna-kompetenser", "3", date(2026, 10, 26), long)
    for module in ("sprak", "sociala-fardigheter", "praktiskt-kunnande"):
        p.assess(module, "3" if module != "sprak" else "B2", date(2026, 10, 27), long)
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    many = dataclasses.replace(state.record, tasks=tuple(f"Uppgift {n}" for n in range(1, 13)))
    pdf = render(many, "en")
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert pages == 2
    # Page one is used to the footer (at most a module's height left); page two holds the rest.
    assert lowest_ink(rendered_page(pdf, 0), above=0.9) > 0.75
    assert "General competences · Level 3 – Independent" in text_of(pdf)


def test_still_tagged_pdf_a_in_both_languages(papers: dict[Language, bytes]) -> None:
    for language, pdf in papers.items():
        root = catalog(pdf)
        assert "/StructTreeRoot" in root
        assert str(root["/Lang"]) == ("sv-SE" if language == "sv" else "en-GB")
        assert re.search(r"pdfaid:part(?:>|=\")3", xmp_of(pdf))


def _other(value: Any) -> Any:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, tuple):
        return value[:-1] if value else ("x",)
    return "x" if value is None else f"{value}x"


def _variants(record: CompetenceRecord) -> Iterator[tuple[str, CompetenceRecord]]:
    """The record with one field changed, for every field (of the first module too)."""
    for field in dataclasses.fields(record):
        if field.name != "placement_id":
            value = _other(getattr(record, field.name))
            yield field.name, dataclasses.replace(record, **{field.name: value})
    first, *rest = record.modules
    for field in dataclasses.fields(first):
        module = dataclasses.replace(first, **{field.name: _other(getattr(first, field.name))})
        yield f"modules.{field.name}", dataclasses.replace(record, modules=(module, *rest))


def test_whatever_printed_leaves_out_is_shown_nowhere(record: CompetenceRecord) -> None:
    """``printed`` decides whether a correction supersedes a certificate: a field it leaves
    out must really be absent from the paper and the credential, in both languages."""
    left_out = []
    for name, variant in _variants(record):
        if printed(variant) != printed(record):
            continue
        left_out.append(name)
        for language in ("sv", "en"):
            assert certificate_data(variant, INFO, REFERENCE, language, DEMO) == (
                certificate_data(record, INFO, REFERENCE, language, DEMO)
            ), name
            assert credential_for(variant, language=language) == (
                credential_for(record, language=language)
            ), name
    assert sorted(left_out) == [
        "last_sequence",
        "modules.first_assessed_on",
        "modules.latest_assessed_on",
        "outcome",
        "planned_end_date",
        "value_added",
    ]
