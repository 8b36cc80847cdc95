from __future__ import annotations

import uuid

import asyncpg

from certificates.adapters.repository import PostgresRepository
from certificates.adapters.waiting import (
    WaitingPlacement,
    WaitingSummary,
    waiting_placements,
    waiting_summary,
)
from contracts.events import Envelope
from runtime.inbox import record_first_delivery
from runtime.unit_of_work import PostgresUnitOfWork


class CertificatesUnitOfWork(PostgresUnitOfWork):
    """One transaction: the repository, the inbox record of a consumed event, and the events
    to publish, which go to the outbox on commit."""

    repository: PostgresRepository

    committed: list[Envelope]
    """The events of the last commit, for logging and metrics once they are certain."""

    def _open(self, conn: asyncpg.Connection) -> None:
        self.repository = PostgresRepository(conn)
        self._events: list[Envelope] = []
        self.committed = []

    def emit(self, event: Envelope) -> None:
        self._events.append(event)

    async def _collect_events(self) -> list[Envelope]:
        self.committed, self._events = self._events, []
        return self.committed

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Record the event as applied by ``consumer``; False if it already was."""
        return await record_first_delivery(self.connection, consumer, event_id)

    async def waiting(
        self, organisation: str | None = None, limit: int = 100
    ) -> tuple[WaitingSummary, list[WaitingPlacement]]:
        summary = await waiting_summary(self.connection, organisation=organisation)
        items = await waiting_placements(self.connection, organisation=organisation, limit=limit)
        return summary, items
