"""What the use cases need from the world outside, as protocols: storage (PostgreSQL implements
it), the signer (:mod:`certificates.signing`) and the renderer (:mod:`certificates.presentation`).
The handler tests give them fakes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from certificates.domain.certificate import Certificate, CertificateInfo, StatusEntry
from certificates.domain.placement import PlacementState, WaitingPlacement, WaitingSummary
from certificates.domain.record import CompetenceRecord
from contracts.events import Envelope, ParticipantIdentified
from contracts.reference import Language
from runtime.access_log import AccessLog
from runtime.ports import UnitOfWork as BaseUnitOfWork

__all__ = [
    "PdfBacklog",
    "Renderer",
    "Repository",
    "Signer",
    "StoredCertificate",
    "StoredRecord",
    "UnitOfWork",
]


@dataclass(frozen=True)
class StoredRecord:
    certificate_id: uuid.UUID
    record: CompetenceRecord


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate with what was issued: the record it shows and the signed credential."""

    certificate: Certificate
    record: CompetenceRecord
    credential: str
    """The signed JSON exactly as issued."""
    supersedes_number: str | None = None


@dataclass(frozen=True)
class PdfBacklog:
    """Certificates issued whose PDF is not rendered yet: how many, how many of them failed
    to render at least once, and the age of the oldest in seconds (0 when none)."""

    count: int
    failing: int
    oldest_age_seconds: float


class Repository(Protocol):
    async def lock_placement(
        self, placement_id: uuid.UUID, organisation: str
    ) -> PlacementState: ...

    async def placement(self, placement_id: uuid.UUID) -> PlacementState | None: ...

    async def save_placement(self, placement: PlacementState) -> None: ...

    async def add_event(self, event: Envelope) -> uuid.UUID | None:
        """Store a placement event; the id of *another* event holding its sequence, if any."""
        ...

    async def has_event_type(self, placement_id: uuid.UUID, event_type: str) -> bool: ...

    async def add_identity(self, event: ParticipantIdentified) -> None: ...

    async def events(self, placement_id: uuid.UUID) -> list[Envelope]:
        """The placement's events and identities, as stored."""
        ...

    async def next_certificate_serial(self) -> int: ...

    async def allocate_status_entry(self) -> StatusEntry: ...

    async def add_certificate(
        self, certificate: Certificate, record: CompetenceRecord, pdf: bytes | None, credential: str
    ) -> None:
        """Store an issued certificate; without its ``pdf``, it joins the PDF backlog."""
        ...

    async def save_revocation(self, certificate: Certificate) -> None: ...

    async def certificate(self, certificate_id: uuid.UUID) -> StoredCertificate | None: ...

    async def certificates_of(self, placement_id: uuid.UUID) -> list[Certificate]: ...

    async def pdf(self, certificate_id: uuid.UUID) -> bytes | None:
        """None while it waits in the backlog, and once erased with the participant's identity."""
        ...

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[uuid.UUID]:
        """Placements still holding identity data that ended (or were withdrawn) on or before
        the day, by their latest end date; locked until the unit of work ends."""
        ...

    async def erase_identities(self, placement_ids: list[uuid.UUID], today: date) -> int:
        """Delete the placements' identities and mark them erased; how many were deleted."""
        ...

    async def records_of(self, placement_ids: list[uuid.UUID]) -> list[StoredRecord]: ...

    async def identities_of(
        self, personnummer: str, organisation: str | None
    ) -> list[ParticipantIdentified]:
        """Every identity received for the person (twelve digits), of ``organisation``'s
        placements or, with None, of all; by placement, then sequence."""
        ...

    async def save_erased_copy(self, certificate_id: uuid.UUID, record: CompetenceRecord) -> None:
        """Store the record without identity, and drop the PDF that printed the name."""
        ...

    async def claim_pdf_backlog(self, limit: int) -> list[uuid.UUID]:
        """Lock up to ``limit`` certificates due for rendering that no one else has locked."""
        ...

    async def lock_pdf_backlog(self, certificate_id: uuid.UUID) -> None:
        """Wait until no one else renders this certificate's PDF, and keep others out."""
        ...

    async def store_pdf(self, certificate_id: uuid.UUID, pdf: bytes) -> None:
        """Store the rendered PDF; the certificate leaves the backlog."""
        ...

    async def pdf_failed(self, certificate_id: uuid.UUID, reason: str) -> None:
        """Keep it in the backlog with the reason, and try again later."""
        ...

    async def pdf_backlog(self) -> PdfBacklog: ...

    async def revoked_indices(self, list_id: int) -> list[int] | None:
        """Revoked bits of a status list; None when the list was never used."""
        ...

    async def waiting(
        self, organisation: str | None, limit: int
    ) -> tuple[WaitingSummary, list[WaitingPlacement]]:
        """Ended placements without a certificate (``organisation``'s, or all), longest first."""
        ...


class UnitOfWork(BaseUnitOfWork, Protocol):
    """One transaction: the repository, the inbox of consumed events, and the events to
    publish, which go to the outbox on commit. Leaving it without commit rolls back."""

    committed: list[Envelope]
    """The events of the last commit, for logging and metrics once they are certain."""

    @property
    def repository(self) -> Repository: ...

    @property
    def access_log(self) -> AccessLog:
        """Reads of identity data (a PDF, a name), recorded in this transaction."""
        ...

    def emit(self, event: Envelope) -> None:
        """Publish ``event`` (through the outbox) if and when the unit of work commits."""
        ...

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Record the event as applied by ``consumer``; False if it already was."""
        ...

    async def first_deliveries(
        self, consumer: str, event_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Record a batch's events as applied by ``consumer``; those that were not already."""
        ...


class Signer(Protocol):
    """The issuer's key: signs credentials with a Data Integrity proof and checks them."""

    @property
    def verification_method(self) -> str: ...

    def sign(self, document: Mapping[str, Any], created: datetime) -> dict[str, Any]:
        """A copy of ``document`` with the proof added."""
        ...

    def verify(self, document: Mapping[str, Any]) -> bool:
        """True only when this issuer's key signed exactly ``document``; never raises."""
        ...

    def controller_document(self) -> dict[str, Any]:
        """The issuer's public key, published for verifiers."""
        ...


class Renderer(Protocol):
    """Makes the paper (the PDF/A), carrying the signed ``credential`` (JSON) inside. Slow
    and CPU-bound: the service runs it off the loop. Raises
    :class:`~certificates.domain.certificate.RenderError` when it cannot."""

    def render(
        self, record: CompetenceRecord, info: CertificateInfo, language: Language, credential: str
    ) -> bytes: ...
