"""The ports of ``reporting.service.ports`` on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, nullcontext
from types import TracebackType
from typing import Any, Self

import asyncpg
from asyncpg.transaction import Transaction

from contracts.organisations import OrganisationRegister
from reporting.adapters import projection_store, queries, reference_store
from reporting.domain.intake import Rejection
from reporting.domain.periods import Period
from reporting.domain.projection import Projection, ProjectionRows
from reporting.domain.report import Aggregates
from reporting.service.ports import ProjectionStatus, UnusableEvent
from runtime.postgres import connection

Connect = Callable[[], AbstractAsyncContextManager[Any]]
"""Opens a connection for the length of a block: ``pool.acquire`` or a lone connection."""


def on_database(dsn: str) -> Connect:
    return lambda: connection(dsn)


class _Transaction:
    """A transaction on a connection from ``connect``; rolled back unless committed."""

    def __init__(self, connect: Connect, **options: Any) -> None:
        self._connect = connect
        self._options = options
        self._stack = AsyncExitStack()
        self._conn: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._stack.enter_async_context(self._connect())
        try:
            self._transaction = self.conn.transaction(**self._options)
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
        # Forgotten before it is tried: a commit that fails or is cancelled leaves nothing to
        # roll back on the way out.
        transaction, self._transaction = self._transaction, None
        await transaction.commit()


class PostgresProjectionUnitOfWork(_Transaction):
    """On the stream consumer's own connection: the one that holds the lead, so a batch can
    only commit while its consumer still leads."""

    def __init__(self, conn: asyncpg.Connection, stream: str) -> None:
        super().__init__(lambda: nullcontext(conn))  # opened and closed by the consumer
        self.stream = stream

    async def position(self) -> int | None:
        return await projection_store.position(self.conn, self.stream, lock=True)

    async def first_deliveries(self, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return await projection_store.first_deliveries(self.conn, event_ids)

    async def load(self, placement_ids: Collection[uuid.UUID]) -> ProjectionRows:
        return await projection_store.load(self.conn, placement_ids)

    async def save(self, projection: Projection) -> None:
        await projection_store.save(self.conn, projection)

    async def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        await projection_store.record_rejections(self.conn, rejections)

    async def move_position(self, offset: int) -> None:
        await projection_store.store_position(self.conn, self.stream, offset)

    async def empty(self) -> None:
        await projection_store.empty(self.conn)


class PostgresReferenceUnitOfWork(_Transaction):
    async def _started(self) -> None:
        # Both tables, always in this order: a change checks one against the other, and two
        # changes at once wait for each other instead of deadlocking.
        await self.conn.execute("LOCK TABLE organisation_register IN SHARE ROW EXCLUSIVE MODE")
        await self.conn.execute("LOCK TABLE targets IN SHARE ROW EXCLUSIVE MODE")

    async def register(self) -> OrganisationRegister:
        return await reference_store.register(self.conn)

    async def targets(self) -> dict[int, dict[str, int]]:
        return await reference_store.targets(self.conn)

    async def save_register(self, register: OrganisationRegister) -> None:
        await reference_store.save_register(self.conn, register)

    async def replace_targets(self, year: int, placements: dict[str, int]) -> None:
        await reference_store.replace_targets(self.conn, year, placements)


class PostgresSnapshot(_Transaction):
    def __init__(self, connect: Connect) -> None:
        super().__init__(connect, isolation="repeatable_read", readonly=True)

    async def aggregates(self, period: Period) -> Aggregates:
        return await queries.aggregates(self.conn, period)

    async def register(self) -> OrganisationRegister:
        return await reference_store.register(self.conn)

    async def targets(self, year: int | None = None) -> dict[int, dict[str, int]]:
        return await reference_store.targets(self.conn, year)

    async def status(self, stream: str) -> ProjectionStatus:
        return await projection_store.status(self.conn, stream)

    async def unusable_events(self, *, after_offset: int, limit: int) -> list[UnusableEvent]:
        return await projection_store.unusable_events(
            self.conn, after_offset=after_offset, limit=limit
        )
