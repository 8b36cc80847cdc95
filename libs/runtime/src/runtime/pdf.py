"""Accessible, archivable PDFs with Typst, for every service that hands a person a document
(the certificate, the register extract): one compiler per thread, tagged PDF/A.

A template reads everything it prints from ``sys.inputs.data`` (JSON) and places it as text,
never as markup, so no name or comment can inject Typst."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime
from typing import Any

import typst

ACCESSIBLE_ARCHIVABLE: typst.PDFStandard = "a-2a"
"""Tagged PDF/A-2a: readable by screen readers (DOS-lagen) and fit for the archive."""

_local = threading.local()


class PdfError(RuntimeError):
    """Typst could not make the document."""


def compiler() -> typst.Compiler:
    """One compiler per thread: it keeps fonts and caches, and is not safe to share. Only the
    fonts Typst embeds, so a document looks the same on every machine."""
    found: typst.Compiler | None = getattr(_local, "compiler", None)
    if found is None:
        found = typst.Compiler(ignore_system_fonts=True)
        _local.compiler = found
    return found


def render_pdf(
    template: bytes,
    data: dict[str, Any],
    day: date,
    standard: typst.PDFStandard = ACCESSIBLE_ARCHIVABLE,
) -> bytes:
    """``template`` with ``data``; ``day`` is the document date PDF/A needs. Text the embedded
    fonts have no glyph for (PDF/A forbids a missing glyph) is shown as "?": a person's
    document must not fail for a character (its JSON keeps the exact text)."""
    for _ in range(MAX_GLYPH_RETRIES):
        try:
            return _compile(template, data, day, standard)
        except typst.TypstError as error:
            text = undisplayable_text(error.message)
            if text is None:
                raise PdfError(f"{error.message}\n{error.diagnostic}".strip()) from error
            data = _shown_as_question_marks(data, text)
    raise PdfError("too many characters the fonts cannot display")


def _compile(
    template: bytes, data: dict[str, Any], day: date, standard: typst.PDFStandard
) -> bytes:
    pdf = compiler().compile(
        input=template,
        format="pdf",
        sys_inputs={"data": json.dumps(data, ensure_ascii=False, default=str)},
        pdf_standards=[standard],
        timestamp=datetime(day.year, day.month, day.day, tzinfo=UTC),
    )
    if not isinstance(pdf, bytes):  # pragma: no cover - a single PDF is always one bytes
        raise PdfError(f"typst returned {type(pdf).__name__}, expected bytes")
    return pdf


MAX_GLYPH_RETRIES = 20
_UNDISPLAYABLE = re.compile(r'the text `"(?P<text>(?:[^"\\]|\\.)*)"` could not be displayed')
_RUST_ESCAPE = re.compile(r"\\(u\{(?P<hex>[0-9a-fA-F]+)\}|.)")


def undisplayable_text(message: str) -> str | None:
    """The text Typst reports it has no glyphs for (PDF/A forbids a missing glyph), if any."""
    match = _UNDISPLAYABLE.search(message)
    if match is None:
        return None

    def unescape(m: re.Match[str]) -> str:
        if m["hex"]:
            return chr(int(m["hex"], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m[1], m[1])

    return _RUST_ESCAPE.sub(unescape, match["text"]) or None


def _shown_as_question_marks(data: dict[str, Any], text: str) -> dict[str, Any]:
    encoded = json.dumps(data, ensure_ascii=False, default=str)
    replaced = encoded.replace(text, "?") if text in encoded else encoded
    for char in {c for c in text if not c.isspace()}:
        replaced = replaced.replace(char, "?")
    if replaced == encoded:
        raise PdfError(f"the fonts cannot display {text!r}, and it is not in the data")
    result: dict[str, Any] = json.loads(replaced)
    return result
