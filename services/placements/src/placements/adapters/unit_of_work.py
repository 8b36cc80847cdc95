from __future__ import annotations

import asyncpg

from contracts.events import Envelope
from placements.adapters.idempotency import PostgresIdempotencyStore
from placements.adapters.repository import PostgresPlacementRepository
from runtime.access_log_store import PostgresAccessLog
from runtime.unit_of_work import PostgresUnitOfWork


class PlacementsUnitOfWork(PostgresUnitOfWork):
    placements: PostgresPlacementRepository
    idempotency: PostgresIdempotencyStore
    access_log: PostgresAccessLog

    def _open(self, conn: asyncpg.Connection) -> None:
        self.placements = PostgresPlacementRepository(conn)
        self.idempotency = PostgresIdempotencyStore(conn)
        self.access_log = PostgresAccessLog(conn, at_commit=self.write_at_commit)

    async def _collect_events(self) -> list[Envelope]:
        for write in self.placements.changed():
            self.write_at_commit(write)
        events: list[Envelope] = []
        for placement in self.placements.seen.values():
            events.extend(placement.events)
            placement.events.clear()
        history = self.placements.history_write(events)
        if history is not None:
            self.write_at_commit(history)
        return events
