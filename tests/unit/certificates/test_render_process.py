"""The PDF worker's renderer: the same paper, made in a child process, and a paper that cannot
be made fails the caller with the renderer's own error."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest

from certificates.adapters.render_process import ProcessRenderer
from certificates.bootstrap import build_renderer
from certificates.presentation.pdf import PdfRenderError
from certificates.settings import CertificatesSettings
from tests.unit.certificates.test_pdf import INFO, record_for, text_of


@pytest.fixture(scope="module")
def renderer() -> Iterator[ProcessRenderer]:
    settings = CertificatesSettings(public_base_url="https://intyg.test")
    renderer = ProcessRenderer(partial(build_renderer, settings))
    yield renderer
    renderer.close()


def test_the_child_renders_the_paper(renderer: ProcessRenderer) -> None:
    pdf = renderer.render(record_for(), INFO, "sv", '{"credential": true}')
    assert pdf.startswith(b"%PDF-")
    assert "Amira Haddad Lindqvist" in text_of(pdf)


def test_a_paper_the_child_cannot_make_raises_its_render_error(
    renderer: ProcessRenderer,
) -> None:
    with pytest.raises(PdfRenderError, match="participant's name"):
        renderer.render(record_for(given_name="李"), INFO, "sv", "{}")
