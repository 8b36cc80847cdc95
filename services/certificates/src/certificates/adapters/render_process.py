"""A :class:`~certificates.service.ports.Renderer` that renders in child processes.

Typst's compile and the seal (pyHanko, pure Python) hold the interpreter for tens of
milliseconds per certificate. In the process that consumes events, a thread would not help:
every message waits meanwhile, and a PDF backlog would delay credentials. A child process
renders on the other core; the caller's thread waits for it without holding the interpreter.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from certificates.domain.certificate import CertificateInfo
from certificates.domain.record import CompetenceRecord
from certificates.service.ports import Renderer
from contracts.reference import Language

_renderer: Renderer | None = None  # in each child: built once by the initializer


def _start(make_renderer: Callable[[], Renderer]) -> None:
    global _renderer
    _renderer = make_renderer()


def _render(
    record: CompetenceRecord, info: CertificateInfo, language: Language, credential: str
) -> bytes:
    if _renderer is None:
        raise RuntimeError("the render process was started without a renderer")
    return _renderer.render(record, info, language, credential)


class ProcessRenderer:
    def __init__(self, make_renderer: Callable[[], Renderer], processes: int = 1) -> None:
        """``make_renderer`` is pickled to each child (a module-level function, or a partial
        of one), so that the child builds its own renderer from the same settings."""
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a running event loop
            initializer=_start,
            initargs=(make_renderer,),
        )

    def render(
        self, record: CompetenceRecord, info: CertificateInfo, language: Language, credential: str
    ) -> bytes:
        """Blocks until the child is done (callers run it off the event loop); a
        :class:`~certificates.domain.certificate.RenderError` raised there is raised here."""
        return self._pool.submit(_render, record, info, language, credential).result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)
