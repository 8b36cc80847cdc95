"""The kompetensintyg as a tagged PDF/A-3a, rendered with Typst, carrying its signed credential
and sealed by the issuer.

The layout is ``templates/certificate.typ``. Everything the page says travels to it as one JSON
document through ``sys.inputs`` (and the QR code as SVG), never formatted into Typst source,
so names and comments cannot inject markup. The labels in both languages are in
:mod:`certificates.presentation.labels`; the emblem, the signatory and the contact come from
the :class:`Letterhead` (settings).

Rendering reuses one Typst compiler per thread (fonts are loaded once); a page takes a few
milliseconds. Only Typst's embedded fonts are used, so the output is the same on every machine.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import segno
import typst
from babel.dates import format_date
from babel.numbers import format_decimal

from certificates.domain.certificate import CertificateInfo, RenderError
from certificates.domain.record import CompetenceRecord, ModuleResult
from certificates.presentation.emblem import Emblem, plain_emblem
from certificates.presentation.labels import LABELS
from certificates.signing.seal import Seal
from contracts.reference import Language, ReferenceData
from runtime.pdf import compiler, undisplayable_text

__all__ = [
    "CertificateInfo",
    "Letterhead",
    "PdfRenderError",
    "TypstRenderer",
    "render_certificate_pdf",
]

TEMPLATE_PATH = Path(__file__).parent / "templates" / "certificate.typ"
PDF_STANDARD: typst.PDFStandard = "a-3a"
"""Tagged PDF/A-3 level A: archivable and accessible (DESIGN.md section 5), and able to carry
the signed credential as an associated file."""


class PdfRenderError(RenderError):
    """Typst could not render the certificate (a template bug, not bad input)."""


@dataclass(frozen=True)
class Letterhead:
    """What every certificate of the issuer carries besides its content: the emblem, the
    person who signs for the issuer, and where to ask about a certificate. The service builds
    it from its settings (which hold the demo's values); left out here, it is left off."""

    emblem: Emblem = field(default_factory=plain_emblem)
    signatory_name: str | None = None
    signatory_title: Mapping[Language, str] = field(default_factory=dict)
    contact_email: str | None = None
    contact_phone: str | None = None


def render_certificate_pdf(
    record: CompetenceRecord,
    certificate: CertificateInfo,
    reference: ReferenceData,
    language: Language = "sv",
    letterhead: Letterhead | None = None,
    credential: str | None = None,
    seal: Seal | None = None,
) -> bytes:
    """The certificate as PDF/A-3a bytes, in Swedish (default) or English; with the signed
    ``credential`` (JSON) embedded, and sealed with ``seal``, when given."""
    if language not in LABELS:
        raise ValueError(f"unsupported language {language!r}; expected 'sv' or 'en'")
    data = certificate_data(record, certificate, reference, language, letterhead or Letterhead())
    pdf = _compile(data, qr_svg(certificate.verification_url), certificate.issued_on, credential)
    if seal is None:
        return pdf
    reason = LABELS[language]["seal_reason"].format(issuer=certificate.issuer_name)
    return seal.seal(pdf, reason=reason)


def _compile(data: dict[str, Any], qr: str, issued_on: date, credential: str | None) -> bytes:
    inputs = {"qr": qr} | ({"credential": credential} if credential is not None else {})
    issued = datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC)
    sanitized = False
    for _ in range(_MAX_GLYPH_RETRIES):
        try:
            pdf = _compiler().compile(
                input=_template(),
                format="pdf",
                sys_inputs={"data": json.dumps(data, ensure_ascii=False)} | inputs,
                pdf_standards=[PDF_STANDARD],
                timestamp=issued,
            )
        except typst.TypstError as exc:
            text = undisplayable_text(exc.message)
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
    letterhead: Letterhead | None = None,
) -> dict[str, Any]:
    """The JSON document the template renders: labels and content in ``language``."""
    labels = LABELS[language]
    letterhead = letterhead or Letterhead()
    fmt = _format_date_sv if language == "sv" else _format_date_en
    modules = [_module_data(m, reference, language) for m in record.modules]
    return {
        "lang": language,
        "region": "SE" if language == "sv" else "GB",
        "labels": {**labels, "modules_intro": _modules_intro(record, reference, language)}
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
            "birth_date": fmt(record.birth_date) if record.birth_date else None,
        },
        "summary": _summary(record, modules, language),
        "placement": _placement_data(record, reference, language),
        "modules": modules,
        "reference": _reference_data(record, language, bool(_contact(letterhead))),
        "letterhead": _letterhead_data(letterhead, certificate.issuer_name, language),
    }


# --------------------------------------------------------------------------- internals


def _placement_data(
    record: CompetenceRecord, reference: ReferenceData, language: Language
) -> dict[str, Any]:
    labels = LABELS[language]
    fmt = _format_date_sv if language == "sv" else _format_date_en
    try:
        placement_type = reference.placement_type(record.placement_type).name.localized(language)
    except KeyError:
        placement_type = record.placement_type
    return {
        "workplace": record.workplace,
        "type": placement_type,
        "role": record.role,
        "period": f"{fmt(record.start_date)} – {fmt(record.end_date)}"
        f" ({_duration(record.days, language)})",
        "hours": labels["hours_value"].format(
            hours=_hours(record, language), rate=record.employment_rate
        ),
        "tasks": list(record.tasks),
    }


def _summary(record: CompetenceRecord, modules: list[dict[str, Any]], language: Language) -> str:
    """One or two sentences an employer reads first: how long, as what, where, how much, and
    the levels reached."""
    labels = LABELS[language]
    text = labels["summary"].format(
        duration=_duration(record.days, language),
        role=record.role,
        workplace=record.workplace,
        hours=_hours(record, language),
    )
    if not modules:
        return str(text)
    reached = [
        labels["summary_module"].format(
            module=_lower_first(m["name"]), level=m["level"], level_name=m["level_name"]
        )
        for m in modules
    ]
    return f"{text} {labels['summary_modules'].format(modules=_join(reached, labels['and']))}"


def _duration(days: int, language: Language) -> str:
    """``10 months`` (to the nearest month); under two months, in weeks."""
    labels = LABELS[language]
    if days < 61:
        n, unit = max(1, round(days / 7)), labels["weeks"]
    else:
        n, unit = round(days / 30.4375), labels["months"]
    return str(unit[1] if n == 1 else unit["n"].format(n=n))


def _hours(record: CompetenceRecord, language: Language) -> str:
    return format_decimal(record.hours_per_week, format="#,##0.#", locale=language)


def _reference_data(
    record: CompetenceRecord, language: Language, issuer_has_contact: bool
) -> dict[str, str | None] | None:
    """The supervisor as a reference. Only the name reaches this service (on the identity
    route); the supervisor's own contact details stay with the förvaltning, so an employer
    asks the issuer, when the paper gives a contact."""
    if record.supervisor_name is None:
        return None
    labels = LABELS[language]
    return {
        "name": record.supervisor_name,
        "role": labels["reference_role"].format(workplace=record.workplace),
        "contact": labels["reference_contact"] if issuer_has_contact else None,
    }


def _contact(letterhead: Letterhead) -> list[str]:
    return [c for c in (letterhead.contact_email, letterhead.contact_phone) if c]


def _letterhead_data(letterhead: Letterhead, issuer: str, language: Language) -> dict[str, Any]:
    labels = LABELS[language]
    emblem = letterhead.emblem
    return {
        "emblem": list(emblem.data),  # Typst reads bytes from a JSON array of numbers
        "emblem_format": emblem.format,
        "emblem_alt": labels["emblem_alt"].format(issuer=issuer),
        "signatory": letterhead.signatory_name,
        "signatory_title": letterhead.signatory_title.get(language)
        or next(iter(letterhead.signatory_title.values()), ""),
        "signed_heading": labels["signed_heading"].format(issuer=issuer),
        "contact": _contact(letterhead),
    }


def _module_data(
    result: ModuleResult, reference: ReferenceData, language: Language
) -> dict[str, Any]:
    labels = LABELS[language]
    module = reference.module(result.module)
    scale = reference.scale_for(result.module)
    criteria = []
    for code in result.criteria_met:
        try:
            criteria.append(module.criterion(code).name.localized(language))
        except KeyError:
            criteria.append(code)
    # The latest level is what the certificate states; an earlier higher one is not a gap
    # to point at, so only an improvement is mentioned.
    progression = None
    if result.progressed:
        progression = labels["progressed"].format(level=result.first_level, n=result.assessments)
    return {
        "code": result.module,
        "name": module.name.localized(language),
        "level": result.latest_level,
        "level_name": scale.level(result.latest_level).name.localized(language),
        "descriptor": module.descriptor(result.latest_level).localized(language),
        "progression": progression,
        "criteria": criteria,
        "comment": result.comment,
        "comment_label": _comment_label(result.assessor_role, language),
    }


def _comment_label(assessor_role: str, language: Language) -> str:
    """Whose words the comment is: the supervisor's (translated), or another role as given."""
    labels = LABELS[language]
    if assessor_role.strip().casefold() in labels["supervisor_roles"]:
        return str(labels["comment_supervisor"])
    return str(labels["comment_by"].format(role=assessor_role))


def _modules_intro(record: CompetenceRecord, reference: ReferenceData, language: Language) -> str:
    """How to read the levels: the scales of the modules on this certificate only."""
    labels = LABELS[language]
    shown = {m.module for m in record.modules}
    clauses = []
    for scale in reference.scales:
        on_scale = [
            _lower_first(m.name.localized(language))
            for m in reference.modules
            if m.scale == scale.code and m.code in shown
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
    if not clauses:
        return ""
    return f"{labels['level_note']} {labels['scales_lead']} {'; '.join(clauses)}."


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
    return compiler()  # the runtime's: one per thread, shared with every document


class TypstRenderer:
    """The service's :class:`~certificates.service.ports.Renderer`: the paper, with Typst."""

    def __init__(
        self,
        reference: ReferenceData,
        letterhead: Letterhead | None = None,
        seal: Seal | None = None,
    ) -> None:
        self._reference = reference
        self._letterhead = letterhead or Letterhead()
        self._seal = seal

    def render(
        self, record: CompetenceRecord, info: CertificateInfo, language: Language, credential: str
    ) -> bytes:
        return render_certificate_pdf(
            record, info, self._reference, language, self._letterhead, credential, self._seal
        )
