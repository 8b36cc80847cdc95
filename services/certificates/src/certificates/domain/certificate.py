"""An issued kompetensintyg and the rules of its life: issue, revoke, supersede.

A placement gets its first certificate automatically, once its record is complete. A correction
that changes what it prints supersedes it automatically, and a withdrawal revokes it. A
förvaltning revokes a certificate (with a reason) or re-issues one (e.g. in the other language);
superseding revokes the old one and links old and new both ways. ``CertificateIssued``
and ``CertificateRevoked`` are numbered per placement on their own (1, 2, …), apart from the
placement's events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from contracts.events import (
    CertificateIssued,
    CertificateIssuedPayload,
    CertificateRevoked,
    CertificateRevokedPayload,
)
from contracts.reference import Language

__all__ = [
    "AlreadyRevoked",
    "AlreadySuperseded",
    "CannotIssue",
    "Certificate",
    "CertificateError",
    "CertificateInfo",
    "CertificateNotFound",
    "InvalidEvent",
    "Language",
    "PlacementNotFound",
    "RenderError",
    "StatusEntry",
    "certificate_number",
]

NUMBER_PREFIX = "KI"  # kompetensintyg


class CertificateError(Exception):
    """A request about a certificate that the rules do not allow."""


class CertificateNotFound(CertificateError):
    """No such certificate, or it belongs to another förvaltning (which must not learn more)."""


class PlacementNotFound(CertificateError):
    """No events of the placement have arrived, or it belongs to another förvaltning."""

    def __init__(self, placement_id: uuid.UUID) -> None:
        super().__init__("no events of this placement have arrived here")
        self.placement_id = placement_id


class AlreadyRevoked(CertificateError):
    def __init__(self, certificate: Certificate) -> None:
        super().__init__(f"certificate {certificate.number} is already revoked")
        self.certificate = certificate


class AlreadySuperseded(CertificateError):
    def __init__(self, certificate: Certificate, by: uuid.UUID) -> None:
        super().__init__(f"certificate {certificate.number} was already replaced by {by}")
        self.certificate = certificate
        self.by = by


class IdentityErased(CertificateError):
    """The participant's identity was erased after the retention period: the PDF, which
    printed the name, is gone; the credential and the verification page still answer."""

    def __init__(self, certificate_id: uuid.UUID) -> None:
        super().__init__(
            f"certificate {certificate_id}: its PDF was erased with the participant's identity "
            "after the retention period; the signed credential and the verification page remain"
        )


class CannotIssue(CertificateError):
    """The record is incomplete or broken, or the PDF cannot be made: nothing can be issued."""


class InvalidEvent(ValueError):
    """An event that can never be applied (a producer bug): it goes to the dead-letter queue."""


class RenderError(RuntimeError):
    """The paper cannot be rendered (a template or font problem, not bad input): the
    certificate waits, or a re-issue is refused, with the reason."""


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """The certificate's bit in a revocation status list."""

    list_id: int
    index: int


@dataclass(frozen=True, slots=True)
class Certificate:
    id: uuid.UUID
    """Unguessable: it is the key of the public verification URL."""
    number: str
    placement_id: uuid.UUID
    organisation: str
    language: Language
    issued_at: datetime
    status_entry: StatusEntry
    record_sequence: int
    """The highest placement event sequence the certificate includes."""
    supersedes: uuid.UUID | None = None
    superseded_by: uuid.UUID | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def shows_content(self) -> bool:
        """Whether its public verification repeats what the paper says (name, role,
        workplace, period, modules). Only while it is valid: once revoked or superseded the
        page says so with the number, the issuer and the dates, and names no one, since the
        paper is no longer its holder's to show."""
        return not self.revoked

    def revoke(self, reason: str, at: datetime) -> Certificate:
        if self.revoked:
            raise AlreadyRevoked(self)
        return replace(self, revoked_at=at, revocation_reason=reason)

    def check_can_be_superseded(self) -> None:
        """Only the latest certificate of a placement can be replaced: the chain stays linear."""
        if self.superseded_by is not None:
            raise AlreadySuperseded(self, self.superseded_by)

    def issued_event(self, sequence: int, correlation_id: str) -> CertificateIssued:
        return CertificateIssued(
            producer=self.organisation,
            placement_id=self.placement_id,
            sequence=sequence,
            correlation_id=correlation_id,
            occurred_at=self.issued_at,
            payload=CertificateIssuedPayload(
                certificate_id=self.id,
                certificate_number=self.number,
                organisation=self.organisation,
                issued_at=self.issued_at,
                language=self.language,
                supersedes=self.supersedes,
            ),
        )

    def revoked_event(
        self, sequence: int, correlation_id: str, superseded_by: uuid.UUID | None = None
    ) -> CertificateRevoked:
        if self.revoked_at is None or self.revocation_reason is None:
            raise ValueError(f"certificate {self.number} is not revoked")
        return CertificateRevoked(
            producer=self.organisation,
            placement_id=self.placement_id,
            sequence=sequence,
            correlation_id=correlation_id,
            occurred_at=self.revoked_at,
            payload=CertificateRevokedPayload(
                certificate_id=self.id,
                organisation=self.organisation,
                revoked_at=self.revoked_at,
                reason=self.revocation_reason,
                superseded_by=superseded_by,
            ),
        )


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What the certificate says about itself, beyond the competence record."""

    certificate_number: str
    issued_on: date
    verification_url: str
    """Printed and encoded in the QR code."""
    organisation_name: str
    """The förvaltning's display name, e.g. ``Serviceförvaltningen``."""
    issuer_name: str = "Malmö stad"
    supersedes: str | None = None
    """Number of the certificate this one corrects and replaces, if any."""


def certificate_number(year: int, serial: int) -> str:
    """``KI-2026-000517``: short enough to read out on the phone, unique city-wide."""
    return f"{NUMBER_PREFIX}-{year}-{serial:06d}"
