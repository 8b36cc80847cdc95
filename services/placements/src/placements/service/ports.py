"""What the use cases need from the outside world, as Protocols. The PostgreSQL adapters
implement them in production, the fakes of the unit tests in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from placements.domain.model import Placement
from runtime.access_log import AccessLog
from runtime.ports import UnitOfWork as BaseUnitOfWork


@dataclass(frozen=True)
class PlacementFilter:
    """Which of a förvaltning's placements a list shows, one page at a time."""

    status: str | None = None
    placement_type: str | None = None
    workplace: str | None = None  # part of the name, case-insensitive
    active_from: date | None = None  # active at some time within [active_from, active_to]
    active_to: date | None = None
    participant_ref: str | None = None  # one person's placements (the keyed pseudonym)
    supervisor: str | None = None  # the supervisor's email, case-insensitive: "my placements"
    after: int | None = None  # keyset cursor: registration number of the last item seen
    limit: int = 50


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a placement's history as the förvaltning reads it (no identity events)."""

    sequence: int
    event_id: uuid.UUID
    event_type: str
    occurred_at: datetime
    correlation_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredResponse:
    """The first response to an ``Idempotency-Key``, and the request it answered."""

    request_hash: str
    status_code: int
    body: Any


class PlacementRepository(Protocol):
    def add(self, placement: Placement) -> None: ...

    async def get(
        self, organisation: str, placement_id: uuid.UUID, *, lock: bool = True
    ) -> Placement:
        """Another förvaltning's placement is not found (``PlacementNotFound``). Locked until
        the unit of work ends unless ``lock`` is false."""
        ...

    async def history(self, placement_id: uuid.UUID) -> list[HistoryEntry]: ...

    async def active_of_participant(
        self, organisation: str, participant_ref: str
    ) -> list[Placement]:
        """The participant's active placements with this förvaltning. Registrations for the
        same participant wait for each other from here until the unit of work ends, so two
        at once cannot both miss the other."""
        ...

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[Placement]:
        """Up to ``limit`` placements that still hold identity data and ended (or were
        withdrawn) on or before the day; locked until the unit of work ends."""
        ...

    async def save_erased(self, placements: list[Placement]) -> None: ...

    # Last: within the class, ``list`` names this method, not the builtin.
    async def list(
        self, organisation: str | None, query: PlacementFilter
    ) -> list[tuple[int, Placement]]:
        """``(registration number, placement)`` in registration order; ``organisation``'s
        only, or every förvaltning's with None (an admin's register extract)."""
        ...


class IdempotencyStore(Protocol):
    async def claim(self, organisation: str, key: str) -> StoredResponse | None:
        """The stored response, after waiting for any other transaction that holds the key;
        this transaction then holds it until it ends."""
        ...

    async def forget(self, placement_ids: list[uuid.UUID]) -> int:
        """Drop the stored answers about these placements; how many there were."""
        ...

    async def add(self, organisation: str, key: str, response: StoredResponse) -> None:
        """Store the first response; only after :meth:`claim` in the same unit of work."""
        ...


class CertificatesUnavailable(Exception):
    """The certificates service did not answer: a register extract without its part would be
    incomplete, so none is given."""


class CertificatesRegister(Protocol):
    """The certificates service's part of a register extract."""

    async def extract(
        self, personnummer: str, organisation: str | None, correlation_id: str
    ) -> dict[str, Any]:
        """What it holds about the person (``organisation``'s placements, or all with None);
        ``CertificatesUnavailable`` when it cannot tell."""
        ...


class UnitOfWork(BaseUnitOfWork, Protocol):
    """One transaction: the changed placements, their events (to the outbox) and the stored
    response commit together, or nothing does."""

    @property
    def placements(self) -> PlacementRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def access_log(self) -> AccessLog:
        """Reads of identity data, recorded in this transaction."""
        ...


@dataclass(frozen=True)
class IssuedCertificate:
    id: uuid.UUID
    number: str
    status: str
    """``valid`` or ``revoked`` (a revoked one may be superseded by a newer one)."""
    issued_at: datetime


@dataclass(frozen=True)
class CertificateState:
    """What the certificates service knows of a placement's certificate."""

    status: str
    """``open`` (not ended), ``waiting``, ``issued``, ``withdrawn``; ``unknown`` until the
    certificates service has heard of the placement, ``unavailable`` when it cannot be asked."""
    waiting_reason: str | None = None
    certificates: tuple[IssuedCertificate, ...] = ()


class CertificateDirectory(Protocol):
    """The certificates service, asked on behalf of a förvaltning."""

    async def state(self, organisation: str, placement_id: uuid.UUID) -> CertificateState: ...

    async def pdf(self, organisation: str, certificate_id: uuid.UUID, language: str) -> bytes:
        """``CertificateNotFound`` for no such certificate of this förvaltning."""
        ...
