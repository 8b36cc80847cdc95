"""The ports of ``reporting.service.ports`` on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from contextlib import nullcontext

import asyncpg

from contracts.organisations import OrganisationRegister
from reporting.adapters import aggregate_store, projection_store, queries, reference_store
from reporting.domain.aggregates import CITY, Scope, Sign
from reporting.domain.intake import Rejection
from reporting.domain.periods import Period
from reporting.domain.projection import Projection, ProjectionRows
from reporting.domain.report import Aggregates
from reporting.service.ports import ProjectionStatus, UnusableEvent
from runtime.postgres import connection
from runtime.unit_of_work import Connect, PostgresTransaction


def on_database(dsn: str) -> Connect:
    return lambda: connection(dsn)


class PostgresProjectionUnitOfWork(PostgresTransaction):
    """On the stream consumer's own connection: the one that holds the lead, so a batch can
    only commit while its consumer still leads."""

    def __init__(self, conn: asyncpg.Connection, stream: str) -> None:
        super().__init__(lambda: nullcontext(conn))  # opened and closed by the consumer
        self.stream = stream

    async def position(self) -> int | None:
        return await projection_store.position(self.connection, self.stream, lock=True)

    async def first_deliveries(self, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return await projection_store.first_deliveries(self.connection, event_ids)

    async def load(self, placement_ids: Collection[uuid.UUID]) -> ProjectionRows:
        return await projection_store.load(self.connection, placement_ids)

    async def save(self, projection: Projection) -> None:
        await projection_store.save(self.connection, projection)

    async def add_to_aggregates(self, placement_ids: Collection[uuid.UUID], sign: Sign) -> None:
        await aggregate_store.add(self.connection, placement_ids, sign)

    async def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        await projection_store.record_rejections(self.connection, rejections)

    async def move_position(self, offset: int) -> None:
        await projection_store.store_position(self.connection, self.stream, offset)

    async def empty(self) -> None:
        await projection_store.empty(self.connection)


class PostgresReferenceUnitOfWork(PostgresTransaction):
    async def _started(self) -> None:
        # Both tables, always in this order: a change checks one against the other, and two
        # changes at once wait for each other instead of deadlocking.
        await self.connection.execute(
            "LOCK TABLE organisation_register IN SHARE ROW EXCLUSIVE MODE"
        )
        await self.connection.execute("LOCK TABLE targets IN SHARE ROW EXCLUSIVE MODE")

    async def register(self) -> OrganisationRegister:
        return await reference_store.register(self.connection)

    async def targets(self) -> dict[int, dict[str, int]]:
        return await reference_store.targets(self.connection)

    async def save_register(self, register: OrganisationRegister) -> None:
        await reference_store.save_register(self.connection, register)

    async def replace_targets(self, year: int, placements: dict[str, int]) -> None:
        await reference_store.replace_targets(self.connection, year, placements)


class PostgresSnapshot(PostgresTransaction):
    def __init__(self, connect: Connect) -> None:
        super().__init__(connect, isolation="repeatable_read", readonly=True)

    async def aggregates(self, period: Period, scope: Scope = CITY) -> Aggregates:
        return await queries.aggregates(self.connection, period, scope)

    async def register(self) -> OrganisationRegister:
        return await reference_store.register(self.connection)

    async def targets(self, year: int | None = None) -> dict[int, dict[str, int]]:
        return await reference_store.targets(self.connection, year)

    async def status(self, stream: str) -> ProjectionStatus:
        return await projection_store.status(self.connection, stream)

    async def unusable_events(self, *, after_offset: int, limit: int) -> list[UnusableEvent]:
        return await projection_store.unusable_events(
            self.connection, after_offset=after_offset, limit=limit
        )
