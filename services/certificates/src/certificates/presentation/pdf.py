"""The kompetensintyg as a tagged PDF/A-2a, rendered with Typst.

The layout is ``templates/certificate.typ``. Everything the page says travels to it as one JSON
document through ``sys.inputs`` (and the QR code as SVG), never formatted into Typst source,
so names and comments cannot inject markup. The labels in both languages live here, next to
the code that chooses them.

Rendering reuses one Typst compiler per thread (fonts are loaded once); a page takes a few
milliseconds. Only Typst's embedded fonts are used, so the output is the same on every machine.
"""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import segno
import typst
from babel.dates import format_date

from certificates.domain.certificate import CertificateInfo, RenderError
from certificates.domain.record import CompetenceRecord, ModuleResult
from contracts.reference import Language, ReferenceData

__all__ = ["CertificateInfo", "PdfRenderError", "TypstRenderer", "render_certificate_pdf"]

TEMPLATE_PATH = Path(__file__).parent / "templates" / "certificate.typ"
PDF_STANDARD: typst.PDFStandard = "a-2a"
"""Tagged PDF/A-2 level A: archivable and accessible (DESIGN.md section 5)."""


class PdfRenderError(RenderError):
    """Typst could not render the certificate (a template bug, not bad input)."""


def render_certificate_pdf(
    record: CompetenceRecord,
    certificate: CertificateInfo,
    reference: ReferenceData,
    language: Language = "sv",
) -> bytes:
    """The certificate as PDF/A-2a bytes, in Swedish (default) or English."""
    if language not in _LABELS:
        raise ValueError(f"unsupported language {language!r}; expected 'sv' or 'en'")
    data = certificate_data(record, certificate, reference, language)
    qr = qr_svg(certificate.verification_url)
    issued = datetime(
        certificate.issued_on.year, certificate.issued_on.month, certificate.issued_on.day,
        tzinfo=UTC,
    )  # fmt: skip
    sanitized = False
    for _ in range(_MAX_GLYPH_RETRIES):
        try:
            pdf = _compiler().compile(
                input=_template(),
                format="pdf",
                sys_inputs={"data": json.dumps(data, ensure_ascii=False), "qr": qr},
                pdf_standards=[PDF_STANDARD],
                timestamp=issued,
            )
        except typst.TypstError as exc:
            text = _undisplayable_text(exc.message)
            if text is None:
                raise PdfRenderError(f"{exc.message}\n{exc.diagnostic}".strip()) from exc
            if not sanitized:  # Typst names the first missing glyph, not always exactly
                data, sanitized = _only_common_scripts(data), True
            else:
                data = _without_undisplayable(data, text)
            continue
        if not isinstance(pdf, bytes):  # pragma: no cover - a single PDF is always one bytes
            raise PdfRenderError(f"typst returned {type(pdf).__name__}, expected bytes")
        return pdf
    raise PdfRenderError("too many characters the certificate's fonts cannot display")


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as SVG, error correction M, with its 4-module quiet zone."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, border=4, dark="#000000"
    )
    return buffer.getvalue().decode("utf-8")


def certificate_data(
    record: CompetenceRecord,
    certificate: CertificateInfo,
    reference: ReferenceData,
    language: Language = "sv",
) -> dict[str, Any]:
    """The JSON document the template renders: labels and content in ``language``."""
    labels = _LABELS[language]
    fmt = _format_date_sv if language == "sv" else _format_date_en
    try:
        placement_type = reference.placement_type(record.placement_type).name.localized(language)
    except KeyError:
        placement_type = record.placement_type
    assessed = {m.module for m in record.modules}
    return {
        "lang": language,
        "region": "SE" if language == "sv" else "GB",
        "labels": {**labels, "modules_intro": _modules_intro(reference, language)}
        | {"qr_alt": labels["qr_alt"].format(url=certificate.verification_url)},
        "issuer": certificate.issuer_name,
        "organisation": certificate.organisation_name,
        "date": {
            "year": certificate.issued_on.year,
            "month": certificate.issued_on.month,
            "day": certificate.issued_on.day,
        },
        "certificate": {
            "number": certificate.certificate_number,
            "issued_on": fmt(certificate.issued_on),
            "url": certificate.verification_url,
            "supersedes": (
                labels["supersedes"].format(number=certificate.supersedes)
                if certificate.supersedes
                else None
            ),
        },
        "participant": {
            "name": record.participant_name,
            "birth_date": fmt(record.birth_date),
        },
        "placement": {
            "workplace": record.workplace,
            "type": placement_type,
            "role": record.role,
            "period": f"{fmt(record.start_date)} – {fmt(record.end_date)}",
            "extent": labels["extent_value"].format(rate=record.employment_rate),
            "supervisor": record.supervisor_name,
            "tasks": list(record.tasks),
        },
        "modules": [_module_data(m, reference, language) for m in record.modules],
        "not_assessed": [
            m.name.localized(language) for m in reference.modules if m.code not in assessed
        ],
    }


# --------------------------------------------------------------------------- internals


def _module_data(
    result: ModuleResult, reference: ReferenceData, language: Language
) -> dict[str, Any]:
    labels = _LABELS[language]
    module = reference.module(result.module)
    scale = reference.scale_for(result.module)
    criteria = []
    for code in result.criteria_met:
        try:
            criteria.append(module.criterion(code).name.localized(language))
        except KeyError:
            criteria.append(code)
    progression = None
    if result.progressed:
        progression = labels["progressed"].format(level=result.first_level, n=result.assessments)
    elif result.first_level != result.latest_level:
        progression = labels["first_level"].format(level=result.first_level, n=result.assessments)
    return {
        "code": result.module,
        "name": module.name.localized(language),
        "level": result.latest_level,
        "level_name": scale.level(result.latest_level).name.localized(language),
        "descriptor": module.descriptor(result.latest_level).localized(language),
        "progression": progression,
        "criteria": criteria,
        "comment": result.comment,
        "assessor_role": result.assessor_role,
    }


def _modules_intro(reference: ReferenceData, language: Language) -> str:
    labels = _LABELS[language]
    names = [m.name.localized(language) for m in reference.modules]
    count = labels["numbers"].get(len(names), str(len(names)))
    clauses = []
    for scale in reference.scales:
        on_scale = [
            _lower_first(m.name.localized(language))
            for m in reference.modules
            if m.scale == scale.code
        ]
        if on_scale:
            clauses.append(
                labels["scale_clause"].format(
                    modules=_join(on_scale, labels["and"]),
                    scale=scale.name.localized(language),
                    first=scale.levels[0].code,
                    last=scale.levels[-1].code,
                )
            )
    text = labels["modules_intro"].format(
        count=count, modules=_join([_lower_first(n) for n in names], labels["and"])
    )
    return f"{text} {labels['scales_lead']} {'; '.join(clauses)}. {labels['level_note']}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _join(items: list[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _format_date_sv(value: date) -> str:
    return value.isoformat()


def _format_date_en(value: date) -> str:
    """``2 November 2026``."""
    return format_date(value, "d MMMM y", locale="en")


_MAX_GLYPH_RETRIES = 20
_UNDISPLAYABLE = re.compile(r'the text `"(?P<text>(?:[^"\\]|\\.)*)"` could not be displayed')
_RUST_ESCAPE = re.compile(r"\\(u\{(?P<hex>[0-9a-fA-F]+)\}|.)")


# Scripts and symbols the embedded fonts (Libertinus Serif, DejaVu Sans Mono) cover.
_COMMON_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (e.g. Vietnamese)
    (0x2010, 0x2027),  # dashes, quotation marks, bullet, ellipsis
    (0x2030, 0x205E),  # per mille, primes, guillemets
    (0x20AC, 0x20AC),  # euro sign
)
_IGNORABLE = re.compile(
    "[\u200b-\u200f\u2060\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f]"
)


def _is_common(char: str) -> bool:
    code = ord(char)
    return char in "\n\t" or any(low <= code <= high for low, high in _COMMON_RANGES)


def _only_common_scripts(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every character outside :data:`_COMMON_RANGES` shown as "?" (emoji
    modifiers, variation selectors and zero-width characters dropped), except in the name."""
    name = str(data["participant"]["name"])
    if not all(_is_common(char) for char in name):
        raise PdfRenderError(
            "the participant's name has characters the certificate's fonts cannot display"
        )

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            if value == name:
                return value
            return "".join(c if _is_common(c) else "?" for c in _IGNORABLE.sub("", value))
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    result: dict[str, Any] = clean(data)
    return result


def _undisplayable_text(message: str) -> str | None:
    """The text Typst reports it has no glyphs for (PDF/A forbids a missing glyph), if any."""
    match = _UNDISPLAYABLE.search(message)
    if match is None:
        return None

    def unescape(m: re.Match[str]) -> str:
        if m["hex"]:
            return chr(int(m["hex"], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m[1], m[1])

    return _RUST_ESCAPE.sub(unescape, match["text"]) or None


def _without_undisplayable(data: dict[str, Any], text: str) -> dict[str, Any]:
    """``data`` with ``text`` shown as "?": the embedded fonts have no glyph for it.

    Free text (comments, tasks, …) may hold an emoji or a script the fonts lack; a certificate
    must not be stuck for that. The participant's name is never altered: a name that cannot be
    printed correctly is an error for an operator to see.
    """
    name = str(data["participant"]["name"])
    if text in name or any(char in name for char in text if not char.isspace()):
        raise PdfRenderError(
            "the participant's name has characters the certificate's fonts cannot display"
        )
    encoded = json.dumps(data, ensure_ascii=False)
    if text in encoded:
        replaced = encoded.replace(text, "?")
    else:
        replaced = encoded
        for char in {c for c in text if not c.isspace()}:
            replaced = replaced.replace(char, "?")
    if replaced == encoded:
        raise PdfRenderError(f"the fonts cannot display {text!r}, and it is not in the data")
    result: dict[str, Any] = json.loads(replaced)
    return result


_LABELS: dict[str, dict[str, Any]] = {
    "sv": {
        "title": "Kompetensintyg",
        "subtitle": "Intyg om kompetens och erfarenhet från en arbetsmarknadsanställning",
        "birth_date": "Född",
        "certificate_number": "Intygsnummer",
        "issued_on": "Utfärdat",
        "issued_by": "Utfärdat av",
        "supersedes": "Detta intyg ersätter intyg {number}, som har återkallats.",
        "placement_heading": "Anställningen",
        "organisation": "Förvaltning",
        "workplace": "Arbetsplats",
        "placement_type": "Anställningsform",
        "role": "Befattning",
        "period": "Period",
        "extent": "Omfattning",
        "extent_value": "{rate} % av heltid",
        "supervisor": "Handledare",
        "tasks": "Arbetsuppgifter",
        "modules_heading": "Bedömd kompetens",
        "modules_intro": (
            "Intyget bygger på stadens gemensamma kompetensunderlag med {count} moduler: {modules}."
        ),
        "scales_lead": "Skalor –",
        "scale_clause": "{modules}: {scale}, nivå {first}–{last}",
        "level_note": (
            "Nivån är handledarens senaste bedömning och förklaras med modulens nivåbeskrivning."
        ),
        "numbers": {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex"},
        "and": "och",
        "level": "Nivå",
        "progressed": "utveckling från nivå {level}, {n} bedömningar",
        "first_level": "första bedömning: nivå {level}, {n} bedömningar",
        "criteria_met": "Uppfyllda kriterier",
        "comment": "Kommentar",
        "not_assessed": "Inte bedömt under anställningen",
        "verification_heading": "Kontroll av intyget",
        "verify_text": (
            "Skanna QR-koden på första sidan eller gå till adressen nedan för att kontrollera "
            "att intyget är äkta och inte har återkallats:"
        ),
        "qr_alt": "QR-kod med adressen för kontroll av intyget: {url}",
        "qr_caption": "Kontrollera intyget med QR-koden",
        "electronic_note": (
            "Intyget är utfärdat elektroniskt och har ingen namnunderskrift. Det finns också "
            "som digitalt signerat intyg (Open Badges 3.0) hos utfärdaren."
        ),
        "page": "Sida",
        "page_of": "av",
    },
    "en": {
        "title": "Certificate of competence",
        "subtitle": "Certificate of the skills and experience gained in a labour-market employment",
        "birth_date": "Date of birth",
        "certificate_number": "Certificate number",
        "issued_on": "Issued",
        "issued_by": "Issued by",
        "supersedes": "This certificate replaces certificate {number}, which has been revoked.",
        "placement_heading": "The employment",
        "organisation": "Administration",
        "workplace": "Workplace",
        "placement_type": "Type of employment",
        "role": "Role",
        "period": "Period",
        "extent": "Extent",
        "extent_value": "{rate}% of full time",
        "supervisor": "Supervisor",
        "tasks": "Tasks",
        "modules_heading": "Assessed competence",
        "modules_intro": (
            "The certificate is based on the city's common competence record of {count} "
            "modules: {modules}."
        ),
        "scales_lead": "Scales –",
        "scale_clause": "{modules}: {scale}, levels {first}–{last}",
        "level_note": (
            "The level is the supervisor's latest assessment and is explained by the module's "
            "level descriptor."
        ),
        "numbers": {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"},
        "and": "and",
        "level": "Level",
        "progressed": "up from level {level}, {n} assessments",
        "first_level": "first assessment: level {level}, {n} assessments",
        "criteria_met": "Criteria met",
        "comment": "Comment",
        "not_assessed": "Not assessed during the employment",
        "verification_heading": "Verifying this certificate",
        "verify_text": (
            "Scan the QR code on the first page or visit the address below to check that the "
            "certificate is genuine and has not been revoked:"
        ),
        "qr_alt": "QR code with the address for verifying the certificate: {url}",
        "qr_caption": "Verify it with the QR code",
        "electronic_note": (
            "This certificate was issued electronically and carries no handwritten signature. "
            "It is also available from the issuer as a digitally signed credential "
            "(Open Badges 3.0)."
        ),
        "page": "Page",
        "page_of": "of",
    },
}

_local = threading.local()
_template_lock = threading.Lock()
_template_bytes: bytes | None = None


def _template() -> bytes:
    global _template_bytes
    if _template_bytes is None:
        with _template_lock:
            if _template_bytes is None:
                _template_bytes = TEMPLATE_PATH.read_bytes()
    return _template_bytes


def _compiler() -> typst.Compiler:
    """One compiler per thread: it keeps fonts and caches, and is not safe to share."""
    compiler: typst.Compiler | None = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = typst.Compiler(ignore_system_fonts=True)
        _local.compiler = compiler
    return compiler


class TypstRenderer:
    """The service's :class:`~certificates.service.ports.Renderer`: the paper, with Typst."""

    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference

    def render(self, record: CompetenceRecord, info: CertificateInfo, language: Language) -> bytes:
        return render_certificate_pdf(record, info, self._reference, language)
