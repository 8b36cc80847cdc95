"""Units of work on PostgreSQL.

:class:`PostgresTransaction` is one transaction on a connection, rolled back unless committed.
:class:`PostgresUnitOfWork` adds the outbox: services subclass it, ``_open`` builds their
repositories on the transaction's connection, and ``_collect_events`` hands over what the
aggregates emitted. Commit writes those events to the outbox in the same transaction as the
state change; leaving the block without commit rolls everything back, events included.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType
from typing import Any, Self

import asyncpg
from asyncpg.transaction import Transaction

from contracts.events import Envelope
from runtime.outbox import outbox_write
from runtime.postgres import Write, write_together

Connect = Callable[[], AbstractAsyncContextManager[Any]]
"""Opens a connection for the length of a block: ``pool.acquire`` or a lone connection."""


class PostgresTransaction:
    """A transaction on a connection from ``connect``; ``options`` go to asyncpg's
    ``transaction()`` (isolation, readonly)."""

    def __init__(self, connect: Connect, **options: Any) -> None:
        self._connect = connect
        self._options = options
        self._stack = AsyncExitStack()
        self._conn: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    @property
    def connection(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._stack.enter_async_context(self._connect())
        try:
            self._transaction = self.connection.transaction(**self._options)
            await self._transaction.start()
            await self._started()
        except BaseException as error:  # the block never runs: give the connection back
            await self.__aexit__(type(error), error, error.__traceback__)
            raise
        return self

    async def _started(self) -> None:
        """What a unit of work does first, inside its transaction."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        transaction, self._transaction, self._conn = self._transaction, None, None
        try:
            if transaction is not None:
                await transaction.rollback()
        except (asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
            if exc is None:
                raise
            # The error that ended the block (a cancellation, a lost connection) is the one to
            # report; the connection is released or closed with the transaction undone.
        finally:
            await self._stack.aclose()

    async def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open")
        await self._before_commit()
        # Forgotten before it is tried: a commit that fails or is cancelled leaves nothing to
        # roll back on the way out.
        transaction, self._transaction = self._transaction, None
        await transaction.commit()

    async def _before_commit(self) -> None:
        """The last writes of the transaction."""


class PostgresUnitOfWork(PostgresTransaction):
    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool.acquire)
        self._writes: list[Write] = []

    async def _started(self) -> None:
        self._writes = []
        self._open(self.connection)

    def write_at_commit(self, write: Write) -> None:
        """Send ``write`` with the commit's other writes (state, history, outbox): one round
        trip for all of them (:func:`runtime.postgres.write_together`)."""
        self._writes.append(write)

    async def _before_commit(self) -> None:
        outbox = outbox_write(await self._collect_events())
        writes, self._writes = self._writes, []
        if outbox is not None:
            writes.append(outbox)
        if writes:
            await write_together(self.connection, writes)

    def _open(self, conn: asyncpg.Connection) -> None:
        """Create repositories on ``conn``."""

    async def _collect_events(self) -> list[Envelope]:
        """Events emitted in this unit of work, in order; they are cleared from the aggregates.
        The state they describe is written here, or given to :meth:`write_at_commit`."""
        return []
