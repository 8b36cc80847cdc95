"""The PDF worker: renders the papers of certificates already issued, from the backlog.

Issuing stores the signed credential and publishes ``CertificateIssued`` at once; the PDF (typst
and the seal, tens of milliseconds of CPU each) follows here, a few per transaction, claimed with
``FOR UPDATE SKIP LOCKED`` so that the workers of several replicas share the backlog. A download
that comes first renders the PDF itself (:func:`certificates.service.handlers.stored_pdf`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from certificates.metrics import (
    PDF_BACKLOG,
    PDF_BACKLOG_FAILING,
    PDF_BACKLOG_OLDEST,
    PDF_RENDERED,
)
from certificates.service import handlers
from certificates.service.context import Context
from certificates.service.ports import UnitOfWork
from runtime.logging import get_logger
from runtime.postgres import DATABASE_ERRORS

log = get_logger(__name__)


class PdfWorker:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        context: Context,
        *,
        batch_size: int = 4,
        idle_seconds: float = 0.5,
    ) -> None:
        """``batch_size``: PDFs per transaction (their rows stay locked while they render)."""
        self._unit_of_work = unit_of_work
        self._context = context
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds

    async def run(self) -> None:
        """Render until cancelled; a database that is away is waited for, never fatal."""
        while True:
            try:
                claimed = await self.render_once()
            except DATABASE_ERRORS as error:
                log.warning("pdf worker waits for the database", error=repr(error))
                claimed = 0
            if claimed < self._batch_size:
                await self._observe_backlog()
                await asyncio.sleep(self._idle_seconds)

    async def render_once(self) -> int:
        """One batch from the backlog; how many certificates it claimed."""
        async with self._unit_of_work() as uow:
            batch = await handlers.render_backlog(uow, self._context, self._batch_size)
            await uow.commit()
        PDF_RENDERED.inc(batch.claimed - len(batch.failed))
        for certificate_id, reason in batch.failed.items():
            log.error("pdf cannot be made", certificate_id=str(certificate_id), reason=reason)
        return batch.claimed

    async def _observe_backlog(self) -> None:
        async with self._unit_of_work() as uow:
            backlog = await uow.repository.pdf_backlog()
        PDF_BACKLOG.set(backlog.count)
        PDF_BACKLOG_FAILING.set(backlog.failing)
        PDF_BACKLOG_OLDEST.set(backlog.oldest_age_seconds)
