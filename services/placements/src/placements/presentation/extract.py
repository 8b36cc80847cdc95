"""The register extract as a PDF for the person: tagged PDF/A (accessible, archivable), in
Swedish, laid out by ``templates/extract.typ`` from the same JSON the API answers."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from typing import Any

from runtime.pdf import render_pdf

TEMPLATE = (files("placements") / "presentation" / "templates" / "extract.typ").read_bytes()


def render_extract(extract: dict[str, Any]) -> bytes:
    """``extract`` is ``RegisterExtractOut`` as JSON."""
    produced = date.fromisoformat(str(extract["produced_at"])[:10])
    return render_pdf(TEMPLATE, extract, produced)
