"""In-memory fakes of the placements ports, for handler tests without servers.

They behave like the PostgreSQL adapters where the use cases can tell: a unit of work sees
only what was committed, leaving it without commit changes nothing, another förvaltning's
placement is not found, and a commit hands the aggregates' events to the outbox (here a
list). Nothing runs concurrently here, so claiming an idempotency key never waits.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Self

from contracts.events import IDENTITY_EVENTS, Envelope
from placements.domain.errors import PlacementNotFound
from placements.domain.model import Placement
from placements.service.ports import (
    HistoryEntry,
    PlacementFilter,
    StoredResponse,
)
from runtime.access_log import Access
from tests.unit.fake_access_log import FakeAccessLog


@dataclass
class FakeDatabase:
    """What survives a unit of work: only committed state."""

    placements: dict[uuid.UUID, Placement] = field(default_factory=dict)
    registration: dict[uuid.UUID, int] = field(default_factory=dict)  # order of first commit
    history: dict[uuid.UUID, list[HistoryEntry]] = field(default_factory=dict)
    responses: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)
    outbox: list[Envelope] = field(default_factory=list)
    access_log: list[Access] = field(default_factory=list)
    commits: int = 0


class FakePlacementRepository:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.seen: dict[uuid.UUID, Placement] = {}
        self.erased: list[Placement] = []

    def add(self, placement: Placement) -> None:
        self.seen[placement.id] = placement

    async def get(
        self, organisation: str, placement_id: uuid.UUID, *, lock: bool = True
    ) -> Placement:
        stored = self._db.placements.get(placement_id)
        if stored is None or stored.organisation != organisation:
            raise PlacementNotFound(placement_id)
        return self.seen.setdefault(placement_id, copy.deepcopy(stored))

    async def history(self, placement_id: uuid.UUID) -> list[HistoryEntry]:
        return list(self._db.history.get(placement_id, []))

    async def active_of_participant(
        self, organisation: str, participant_ref: str
    ) -> list[Placement]:
        # One fake unit of work at a time: no concurrent registration to wait for.
        query = PlacementFilter(status="active", participant_ref=participant_ref, limit=1000)
        return [p for _, p in await self.list(organisation, query)]

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[Placement]:
        expired = [
            p
            for p in self._db.placements.values()
            if p.participant is not None
            and (ended := p.end_date or (p.withdrawal and p.withdrawal.withdrawn_at.date()))
            and ended <= ended_on_or_before
        ]
        return [self.seen.setdefault(p.id, copy.deepcopy(p)) for p in expired[:limit]]

    async def save_erased(self, placements: list[Placement]) -> None:
        self.erased.extend(placements)

    async def list(
        self, organisation: str | None, query: PlacementFilter
    ) -> list[tuple[int, Placement]]:
        rows = sorted(
            (number, self._db.placements[placement_id])
            for placement_id, number in self._db.registration.items()
        )
        found = [
            (number, copy.deepcopy(p))
            for number, p in rows
            if organisation in (None, p.organisation) and _matches(p, number, query)
        ]
        return found[: query.limit]


def _matches(p: Placement, registration: int, query: PlacementFilter) -> bool:
    """The adapter's WHERE clause, in Python."""
    return all(
        (
            not query.status or p.status == query.status,
            not query.placement_type or p.terms.placement_type == query.placement_type,
            not query.workplace or query.workplace.lower() in p.terms.workplace.name.lower(),
            not query.active_to or p.terms.start_date <= query.active_to,
            not query.active_from or (p.end_date or p.terms.planned_end_date) >= query.active_from,
            not query.participant_ref or p.participant_ref == query.participant_ref,
            query.after is None or registration > query.after,
        )
    )


class FakeIdempotencyStore:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.pending: dict[tuple[str, str], StoredResponse] = {}

    async def forget(self, placement_ids: list[uuid.UUID]) -> int:
        ids = {str(p) for p in placement_ids}
        gone = [k for k, r in self._db.responses.items() if r.body.get("id") in ids]
        for key in gone:
            del self._db.responses[key]
        return len(gone)

    async def claim(self, organisation: str, key: str) -> StoredResponse | None:
        return self._db.responses.get((organisation, key))

    async def add(self, organisation: str, key: str, response: StoredResponse) -> None:
        assert (organisation, key) not in self._db.responses, "add only after claim"
        self.pending[organisation, key] = response


class FakeUnitOfWork:
    """Opened with ``async with`` as often as needed; each time is a new transaction on the
    same :class:`FakeDatabase` (pass one to share it between units of work)."""

    placements: FakePlacementRepository
    idempotency: FakeIdempotencyStore
    access_log: FakeAccessLog

    def __init__(self, db: FakeDatabase | None = None) -> None:
        self.db = db if db is not None else FakeDatabase()
        self._open()

    @property
    def committed(self) -> list[Envelope]:
        """Every event committed so far, in order: what the outbox would publish."""
        return self.db.outbox

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open()  # what was not committed is gone

    async def commit(self) -> None:
        for placement in self.placements.seen.values():
            if not placement.events:
                continue
            self.db.registration.setdefault(placement.id, len(self.db.registration) + 1)
            self.db.history.setdefault(placement.id, []).extend(
                _history(e) for e in placement.events if type(e) not in IDENTITY_EVENTS
            )
            self.db.outbox.extend(placement.events)
            placement.events.clear()
            self.db.placements[placement.id] = copy.deepcopy(placement)
        for placement in self.placements.erased:
            self.db.placements[placement.id] = copy.deepcopy(placement)
        self.db.responses.update(self.idempotency.pending)
        self.db.access_log.extend(self.access_log.pending)
        self.db.commits += 1
        self._open()

    def _open(self) -> None:
        self.placements = FakePlacementRepository(self.db)
        self.idempotency = FakeIdempotencyStore(self.db)
        self.access_log = FakeAccessLog(self.db.access_log)


def _history(event: Envelope) -> HistoryEntry:
    return HistoryEntry(
        sequence=event.sequence,
        event_id=event.event_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        correlation_id=event.correlation_id,
        payload=event.model_dump(mode="json")["payload"],
    )
