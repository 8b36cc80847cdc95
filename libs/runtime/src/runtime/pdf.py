"""Accessible, archivable PDFs with Typst, for every service that hands a person a document
(the certificate, the register extract): one compiler per thread, tagged PDF/A.

A template reads everything it prints from ``sys.inputs.data`` (JSON) and places it as text,
never as markup, so no name or comment can inject Typst."""

from __future__ import annotations

import json
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
    """``template`` with ``data``; ``day`` is the document date PDF/A needs."""
    try:
        pdf = compiler().compile(
            input=template,
            format="pdf",
            sys_inputs={"data": json.dumps(data, ensure_ascii=False, default=str)},
            pdf_standards=[standard],
            timestamp=datetime(day.year, day.month, day.day, tzinfo=UTC),
        )
    except typst.TypstError as error:
        raise PdfError(f"{error.message}\n{error.diagnostic}".strip()) from error
    if not isinstance(pdf, bytes):  # pragma: no cover - a single PDF is always one bytes
        raise PdfError(f"typst returned {type(pdf).__name__}, expected bytes")
    return pdf
