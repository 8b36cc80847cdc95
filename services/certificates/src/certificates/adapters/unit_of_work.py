from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from certificates.adapters.batch_repository import BatchRepository
from certificates.adapters.repository import PostgresRepository
from contracts.events import Envelope
from runtime.access_log_store import PostgresAccessLog
from runtime.inbox import InboxUnitOfWork


class CertificatesUnitOfWork(InboxUnitOfWork):
    """One transaction: the repository, the inbox record of a consumed event, and the events
    to publish, which go to the outbox on commit."""

    repository: PostgresRepository
    access_log: PostgresAccessLog

    committed: list[Envelope]
    """The events of the last commit, for logging and metrics once they are certain."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.committed = []

    def _open(self, conn: asyncpg.Connection) -> None:
        self.repository = PostgresRepository(conn)
        self.access_log = PostgresAccessLog(conn)
        self._events: list[Envelope] = []
        self.committed = []

    def emit(self, event: Envelope) -> None:
        self._events.append(event)

    async def _collect_events(self) -> list[Envelope]:
        self.committed, self._events = self._events, []
        return self.committed


class BatchUnitOfWork(CertificatesUnitOfWork):
    """A batch of consumed events in one transaction: their placements locked in one
    statement as it starts, and what they store written together before it commits."""

    repository: BatchRepository

    def __init__(self, pool: asyncpg.Pool, events: Sequence[Envelope]) -> None:
        super().__init__(pool)
        self._batch = events

    def _open(self, conn: asyncpg.Connection) -> None:
        super()._open(conn)
        self.repository = BatchRepository(conn)

    async def _started(self) -> None:
        await super()._started()
        await self.repository.prepare(self._batch)

    async def _before_commit(self) -> None:
        await self.repository.flush()
        await super()._before_commit()
