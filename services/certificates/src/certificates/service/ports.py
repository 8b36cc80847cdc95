"""What the use cases need from storage, as protocols (PostgreSQL implements them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from certificates.domain.certificate import Certificate, StatusEntry
from certificates.domain.record import CompetenceRecord
from contracts.events import Envelope, ParticipantIdentified

PlacementStatus = Literal["open", "waiting", "issued"]


@dataclass
class PlacementState:
    """Where one placement's certificate stands. Loaded locked: one writer at a time."""

    placement_id: uuid.UUID
    organisation: str
    status: PlacementStatus = "open"
    ended_at: datetime | None = None
    waiting_reason: str | None = None
    missing_sequences: tuple[int, ...] = field(default_factory=tuple)
    certificate_events: int = 0

    def next_certificate_sequence(self) -> int:
        self.certificate_events += 1
        return self.certificate_events

    def wait(self, reason: str, missing: tuple[int, ...] = ()) -> None:
        self.status, self.waiting_reason, self.missing_sequences = "waiting", reason, missing

    def issued(self) -> None:
        self.status, self.waiting_reason, self.missing_sequences = "issued", None, ()


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate with what was issued: the record it shows and the signed credential."""

    certificate: Certificate
    record: CompetenceRecord
    credential: str
    """The signed JSON exactly as issued."""
    supersedes_number: str | None = None


class Repository(Protocol):
    async def lock_placement(
        self, placement_id: uuid.UUID, organisation: str
    ) -> PlacementState: ...

    async def save_placement(self, placement: PlacementState) -> None: ...

    async def add_event(self, event: Envelope) -> uuid.UUID | None:
        """Store a placement event; the id of *another* event holding its sequence, if any."""
        ...

    async def has_event_type(self, placement_id: uuid.UUID, event_type: str) -> bool: ...

    async def add_identity(self, event: ParticipantIdentified) -> None: ...

    async def events(self, placement_id: uuid.UUID) -> list[Envelope]:
        """The placement's events and identities, as stored."""
        ...

    async def latest_sequence(self, placement_id: uuid.UUID) -> int: ...

    async def next_certificate_serial(self) -> int: ...

    async def allocate_status_entry(self) -> StatusEntry: ...

    async def add_certificate(
        self, certificate: Certificate, record: CompetenceRecord, pdf: bytes, credential: str
    ) -> None: ...

    async def save_revocation(self, certificate: Certificate) -> None: ...

    async def certificate(self, certificate_id: uuid.UUID) -> StoredCertificate | None: ...

    async def certificates_of(self, placement_id: uuid.UUID) -> list[Certificate]: ...

    async def pdf(self, certificate_id: uuid.UUID) -> bytes: ...

    async def revoked_indices(self, list_id: int) -> list[int] | None:
        """Revoked bits of a status list; None when the list was never used."""
        ...


class UnitOfWork(Protocol):
    @property
    def repository(self) -> Repository: ...

    def emit(self, event: Envelope) -> None:
        """Publish ``event`` (through the outbox) if and when the unit of work commits."""
        ...
