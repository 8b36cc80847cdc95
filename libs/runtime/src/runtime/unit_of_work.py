"""A unit of work on PostgreSQL whose events leave through the outbox on commit.

Services subclass it: ``_open`` builds their repositories on the transaction's connection, and
``_collect_events`` hands over what the aggregates emitted. Commit writes those events to the
outbox in the same transaction as the state change; leaving the block without commit rolls
everything back, events included.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.transaction import Transaction

from contracts.events import Envelope
from runtime.outbox import enqueue


class PostgresUnitOfWork:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    @property
    def connection(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._pool.acquire()
        self._transaction = self._conn.transaction()
        await self._transaction.start()
        self._open(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None:
                await self._transaction.rollback()
        finally:
            if self._conn is not None:
                await self._pool.release(self._conn)
            self._conn = self._transaction = None

    async def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open")
        events = await self._collect_events()
        await enqueue(self.connection, events)
        await self._transaction.commit()
        self._transaction = None

    def _open(self, conn: asyncpg.Connection) -> None:
        """Create repositories on ``conn``."""

    async def _collect_events(self) -> list[Envelope]:
        """Events emitted in this unit of work, in order; they are cleared from the aggregates."""
        return []
