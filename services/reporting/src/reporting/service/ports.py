"""What the use cases need from storage, as protocols (PostgreSQL implements them in
``reporting.adapters.unit_of_work``; the unit tests have in-memory fakes), and the read models
they hand back."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from contracts.organisations import OrganisationRegister
from reporting.domain.aggregates import CITY, Scope, Sign
from reporting.domain.intake import Rejection
from reporting.domain.periods import Period
from reporting.domain.projection import Projection, ProjectionRows
from reporting.domain.report import Aggregates
from runtime.ports import Snapshot as ConsistentReads
from runtime.ports import UnitOfWork


class ProjectionUnitOfWork(UnitOfWork, Protocol):
    """One batch's transaction on the projection of one stream: leaving the block without
    ``commit`` changes nothing."""

    async def position(self) -> int | None:
        """The last stream offset applied (None before the first), held until the end."""
        ...

    async def first_deliveries(self, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Record the ids as applied; return those not recorded before."""
        ...

    async def load(self, placement_ids: Collection[uuid.UUID]) -> ProjectionRows: ...

    async def save(self, projection: Projection) -> None:
        """Write back the rows the projection changed."""
        ...

    async def add_to_aggregates(self, placement_ids: Collection[uuid.UUID], sign: Sign) -> None:
        """Add (sign 1) or subtract (−1) what the placements contribute as stored now: a batch
        subtracts before it saves them and adds after."""
        ...

    async def record_rejections(self, rejections: Sequence[Rejection]) -> None: ...

    async def move_position(self, offset: int) -> None: ...

    async def empty(self) -> None:
        """Empty the projection, position included (reference data stays)."""
        ...


class ReferenceUnitOfWork(UnitOfWork, Protocol):
    """A change of the reference data: register and targets are held until the end, so the
    checks between them stay true until the change commits."""

    async def register(self) -> OrganisationRegister: ...

    async def targets(self) -> dict[int, dict[str, int]]: ...

    async def save_register(self, register: OrganisationRegister) -> None: ...

    async def replace_targets(self, year: int, placements: dict[str, int]) -> None: ...


@dataclass
class ConsumerState:
    """What this replica's stream consumer is doing, as ``/ready`` and the status show it."""

    role: Literal["starting", "standby", "active"] = "starting"
    attached: bool = False
    position: int | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class UnusableEvent:
    stream_offset: int
    routing_key: str
    reason: str
    detail: str
    event_id: uuid.UUID | None
    event_type: str | None
    producer: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class ProjectionStatus:
    stream: str
    last_offset: int | None
    updated_at: datetime | None
    applied_events: int
    placements: int
    unusable_events: int
    unusable_by_reason: dict[str, int]


class Snapshot(ConsistentReads, Protocol):
    """Reads of one consistent snapshot: the parts of a report agree even while batches
    commit."""

    async def aggregates(self, period: Period, scope: Scope = CITY) -> Aggregates:
        """The period's grouped counts of the placements in ``scope``."""
        ...

    async def register(self) -> OrganisationRegister: ...

    async def targets(self, year: int | None = None) -> dict[int, dict[str, int]]: ...

    async def status(self, stream: str) -> ProjectionStatus: ...

    async def unusable_events(self, *, after_offset: int, limit: int) -> list[UnusableEvent]: ...
