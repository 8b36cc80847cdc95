"""In-memory stand-ins for the certificates service's ports, for handler tests without servers.

:class:`FakeUnitOfWork` is the whole database: every ``async with`` is one transaction that
rolls back unless committed, so an error or a refused duplicate leaves no trace, as in
PostgreSQL. The fakes implement the protocols of :mod:`certificates.service.ports`; mypy
checks them wherever a port is expected.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from certificates.domain.certificate import Certificate, CertificateInfo, RenderError, StatusEntry
from certificates.domain.credential import xml_datetime
from certificates.domain.placement import PlacementState, WaitingPlacement, WaitingSummary
from certificates.domain.record import CompetenceRecord
from certificates.service.ports import PdfBacklog, StoredCertificate, StoredRecord
from contracts.events import (
    Envelope,
    ParticipantIdentified,
    PlacementEndCorrected,
    PlacementEnded,
)
from contracts.reference import Language
from runtime.access_log import Access, Reader
from tests.unit.fake_access_log import FakeAccessLog


@dataclass
class _Issued:
    certificate: Certificate
    record: CompetenceRecord
    pdf: bytes | None
    credential: str


@dataclass
class FakeRepository:
    """The tables, as dictionaries."""

    placements: dict[uuid.UUID, PlacementState] = field(default_factory=dict)
    placement_events: dict[uuid.UUID, dict[int, Envelope]] = field(default_factory=dict)
    identities: dict[uuid.UUID, ParticipantIdentified] = field(default_factory=dict)
    certificates: dict[uuid.UUID, _Issued] = field(default_factory=dict)
    serials: int = 0
    status_entries: int = 0
    erased: dict[uuid.UUID, date] = field(default_factory=dict)
    pdf_errors: dict[uuid.UUID, str] = field(default_factory=dict)
    """The PDF backlog's failures: each waits (here, until the test clears it)."""

    async def lock_placement(self, placement_id: uuid.UUID, organisation: str) -> PlacementState:
        stored = self.placements.setdefault(
            placement_id, PlacementState(placement_id, organisation)
        )
        return replace(stored)  # a copy: changes count only once saved

    async def placement(self, placement_id: uuid.UUID) -> PlacementState | None:
        stored = self.placements.get(placement_id)
        return replace(stored) if stored is not None else None

    async def save_placement(self, placement: PlacementState) -> None:
        self.placements[placement.placement_id] = replace(placement)

    async def add_event(self, event: Envelope) -> uuid.UUID | None:
        by_sequence = self.placement_events.setdefault(event.placement_id, {})
        taken = by_sequence.setdefault(event.sequence, event)
        return None if taken is event else taken.event_id

    async def has_event_type(self, placement_id: uuid.UUID, event_type: str) -> bool:
        events = self.placement_events.get(placement_id, {}).values()
        return any(e.event_type == event_type for e in events)

    async def add_identity(self, event: ParticipantIdentified) -> None:
        self.identities.setdefault(event.event_id, event)

    async def events(self, placement_id: uuid.UUID) -> list[Envelope]:
        identities = [i for i in self.identities.values() if i.placement_id == placement_id]
        return [*self.placement_events.get(placement_id, {}).values(), *identities]

    async def next_certificate_serial(self) -> int:
        self.serials += 1
        return self.serials

    async def allocate_status_entry(self) -> StatusEntry:
        self.status_entries += 1
        return StatusEntry(1, self.status_entries)

    async def add_certificate(
        self, certificate: Certificate, record: CompetenceRecord, pdf: bytes | None, credential: str
    ) -> None:
        self.certificates[certificate.id] = _Issued(certificate, record, pdf, credential)

    async def save_revocation(self, certificate: Certificate) -> None:
        issued = self.certificates[certificate.id]
        issued.certificate = replace(
            issued.certificate,
            revoked_at=certificate.revoked_at,
            revocation_reason=certificate.revocation_reason,
        )

    async def certificate(self, certificate_id: uuid.UUID) -> StoredCertificate | None:
        issued = self.certificates.get(certificate_id)
        if issued is None:
            return None
        supersedes = issued.certificate.supersedes
        return StoredCertificate(
            certificate=self._linked(issued.certificate),
            record=issued.record,
            credential=issued.credential,
            supersedes_number=self.certificates[supersedes].certificate.number
            if supersedes
            else None,
        )

    async def certificates_of(self, placement_id: uuid.UUID) -> list[Certificate]:
        mine = [i.certificate for i in self.certificates.values()]
        ordered = sorted(mine, key=lambda c: (c.issued_at, c.number))
        return [self._linked(c) for c in ordered if c.placement_id == placement_id]

    async def pdf(self, certificate_id: uuid.UUID) -> bytes | None:
        return self.certificates[certificate_id].pdf

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[uuid.UUID]:
        expired = [
            placement_id
            for placement_id, events in self.placement_events.items()
            if placement_id not in self.erased
            and (ended := _end_date(events.values())) is not None
            and ended <= ended_on_or_before
        ]
        return sorted(expired)[:limit]

    async def erase_identities(self, placement_ids: list[uuid.UUID], today: date) -> int:
        self.erased.update(dict.fromkeys(placement_ids, today))
        gone = [k for k, i in self.identities.items() if i.placement_id in placement_ids]
        for key in gone:
            del self.identities[key]
        return len(gone)

    async def identities_of(
        self, personnummer: str, organisation: str | None
    ) -> list[ParticipantIdentified]:
        found = [
            i
            for i in self.identities.values()
            if i.payload.personnummer.replace("-", "") == personnummer
            and organisation in (None, self.placements[i.placement_id].organisation)
        ]
        return sorted(found, key=lambda i: (i.placement_id, i.sequence))

    async def records_of(self, placement_ids: list[uuid.UUID]) -> list[StoredRecord]:
        return [
            StoredRecord(i.certificate.id, i.record)
            for i in self.certificates.values()
            if i.certificate.placement_id in placement_ids
        ]

    async def save_erased_copy(self, certificate_id: uuid.UUID, record: CompetenceRecord) -> None:
        self.certificates[certificate_id].record = record
        self.certificates[certificate_id].pdf = None

    async def claim_pdf_backlog(self, limit: int) -> list[uuid.UUID]:
        due = [
            i.certificate.id
            for i in self.certificates.values()
            if i.pdf is None
            and not i.record.identity_erased
            and i.certificate.id not in self.pdf_errors
        ]
        return due[:limit]

    async def lock_pdf_backlog(self, certificate_id: uuid.UUID) -> None:
        """One transaction at a time: nobody else renders."""

    async def store_pdf(self, certificate_id: uuid.UUID, pdf: bytes) -> None:
        self.certificates[certificate_id].pdf = pdf
        self.pdf_errors.pop(certificate_id, None)

    async def pdf_failed(self, certificate_id: uuid.UUID, reason: str) -> None:
        self.pdf_errors[certificate_id] = reason

    async def pdf_backlog(self) -> PdfBacklog:
        waiting = [
            i for i in self.certificates.values() if i.pdf is None and not i.record.identity_erased
        ]
        return PdfBacklog(len(waiting), len(self.pdf_errors), 0.0)

    async def revoked_indices(self, list_id: int) -> list[int] | None:
        entries = [
            i.certificate
            for i in self.certificates.values()
            if i.certificate.status_entry.list_id == list_id
        ]
        if not entries:
            return None
        return [c.status_entry.index for c in entries if c.revoked]

    async def waiting(
        self, organisation: str | None, limit: int
    ) -> tuple[WaitingSummary, list[WaitingPlacement]]:
        now = datetime.now(UTC)
        waiting = sorted(
            (
                p
                for p in self.placements.values()
                if p.status == "waiting" and organisation in (None, p.organisation)
            ),
            key=lambda p: (p.waiting_since or now, p.placement_id),
        )
        items = [
            WaitingPlacement(
                placement_id=p.placement_id,
                organisation=p.organisation,
                reason=p.waiting_reason or "",
                missing_sequences=p.missing_sequences,
                waiting_since=p.waiting_since or now,
                age_seconds=max(0.0, (now - (p.waiting_since or now)).total_seconds()),
            )
            for p in waiting
        ]
        oldest = items[0].age_seconds if items else None
        return WaitingSummary(len(items), oldest), items[:limit]

    def _linked(self, certificate: Certificate) -> Certificate:
        """With ``superseded_by``, which PostgreSQL reads from the newer certificate's row."""
        by = next(
            (
                i.certificate.id
                for i in self.certificates.values()
                if i.certificate.supersedes == certificate.id
            ),
            None,
        )
        return replace(certificate, superseded_by=by)


PUBLIC = Reader("public", "public", None, "GET /verify/{certificate_id}", "case-public")


def reader(organisation: str) -> Reader:
    """A förvaltning's system reading through the API."""
    return Reader(organisation, "förvaltning", organisation, "GET /test", "case-1")


def _end_date(events: Iterable[Envelope]) -> date | None:
    """The latest end the events give (a corrected end moves it)."""
    ends = sorted(
        (e.sequence, e.payload.end_date)
        for e in events
        if isinstance(e, PlacementEnded | PlacementEndCorrected)
    )
    return ends[-1][1] if ends else None


class FakeUnitOfWork:
    """The database in memory; each ``async with`` block is one transaction."""

    def __init__(self) -> None:
        self._repository = FakeRepository()
        self.inbox: set[tuple[str, uuid.UUID]] = set()
        self.published: list[Envelope] = []
        """Every event committed to the outbox, in order."""
        self.committed: list[Envelope] = []
        self._pending: list[Envelope] = []
        self._snapshot: tuple[FakeRepository, set[tuple[str, uuid.UUID]]] | None = None
        self.accesses: list[Access] = []
        """Every read of identity data committed."""
        self.access_log = FakeAccessLog(self.accesses)

    @property
    def repository(self) -> FakeRepository:
        return self._repository

    def emit(self, event: Envelope) -> None:
        self._pending.append(event)

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        if (consumer, event_id) in self.inbox:
            return False
        self.inbox.add((consumer, event_id))
        return True

    async def first_deliveries(
        self, consumer: str, event_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        return {e for e in event_ids if await self.first_delivery(consumer, e)}

    async def commit(self) -> None:
        self.committed, self._pending = self._pending, []
        self.published.extend(self.committed)
        self.accesses.extend(self.access_log.pending)
        self.access_log.pending = []
        self._snapshot = None

    async def __aenter__(self) -> Self:
        self._snapshot = (copy.deepcopy(self._repository), set(self.inbox))
        self._pending = []
        self.committed = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:  # not committed: roll back
            self._repository, self.inbox = self._snapshot
            self._snapshot = None
        self._pending = []
        self.access_log.pending = []


class FakeSigner:
    """Signs by stamping; verifies the stamp and that nothing else changed."""

    verification_method = "https://intyg.test/issuer#key-1"

    def sign(self, document: Mapping[str, Any], created: datetime) -> dict[str, Any]:
        unsigned = copy.deepcopy(dict(document))
        proof = {"created": xml_datetime(created), "fingerprint": _fingerprint(unsigned)}
        return {**unsigned, "proof": proof}

    def verify(self, document: Mapping[str, Any]) -> bool:
        proof = document.get("proof")
        unsigned = {k: v for k, v in document.items() if k != "proof"}
        return isinstance(proof, dict) and proof.get("fingerprint") == _fingerprint(unsigned)

    def controller_document(self) -> dict[str, Any]:
        return {"id": "https://intyg.test/issuer", "assertionMethod": [self.verification_method]}


def _fingerprint(document: Mapping[str, Any]) -> str:
    return repr(sorted(document.items()))


@dataclass
class FakeRenderer:
    """A "PDF" naming what it shows; ``failure`` makes it fail as Typst can."""

    failure: str | None = None
    rendered: list[tuple[str, Language]] = field(default_factory=list)

    def render(
        self, record: CompetenceRecord, info: CertificateInfo, language: Language, credential: str
    ) -> bytes:
        if self.failure is not None:
            raise RenderError(self.failure)
        self.rendered.append((info.certificate_number, language))
        return f"PDF {info.certificate_number} {language} {record.participant_name}".encode()
