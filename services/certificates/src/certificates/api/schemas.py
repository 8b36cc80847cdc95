"""Request and response bodies of the certificates API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from certificates.domain.certificate import Certificate
from certificates.domain.placement import PlacementState, WaitingPlacement, WaitingSummary
from certificates.service.context import Urls
from contracts.reference import Language
from runtime.text import NAME

# One line with something to read: it is published and printed on the verification page.
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NAME
]

EXAMPLE_ID = "3f1c2a9e-6b7d-4c1e-9a55-0c3d8e2f4b61"
EXAMPLE_PLACEMENT = "9b2e7c1a-3d4f-4a6b-8c9d-1e2f3a4b5c6d"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RevokeIn(Body):
    reason: Reason = Field(
        description="Why it is revoked; published with the revocation.",
        examples=["Utfärdat på fel placering"],
    )


class ReissueIn(Body):
    reason: Reason = Field(
        description="Why it is re-issued; the old certificate is revoked with this reason.",
        examples=["Önskas på engelska"],
    )
    language: Language | None = Field(
        default=None, description="Language of the new certificate; the old one's by default."
    )


class Links(BaseModel):
    verification: str = Field(description="Public: printed on the paper and in its QR code.")
    pdf: str
    credential: str


class CertificateOut(BaseModel):
    id: uuid.UUID = Field(examples=[EXAMPLE_ID])
    number: str = Field(examples=["KI-2026-000517"])
    placement_id: uuid.UUID = Field(examples=[EXAMPLE_PLACEMENT])
    organisation: str = Field(examples=["sf"])
    status: Literal["valid", "revoked"]
    language: Language
    issued_at: datetime
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    supersedes: uuid.UUID | None = Field(default=None, description="The certificate it replaced.")
    superseded_by: uuid.UUID | None = Field(default=None, description="Its replacement.")
    includes_sequence: int = Field(
        description="The last placement event the certificate includes.", examples=[9]
    )
    links: Links

    @classmethod
    def of(cls, certificate: Certificate, urls: Urls) -> CertificateOut:
        path = f"/certificates/{certificate.id}"
        return cls(
            id=certificate.id,
            number=certificate.number,
            placement_id=certificate.placement_id,
            organisation=certificate.organisation,
            status="revoked" if certificate.revoked else "valid",
            language=certificate.language,
            issued_at=certificate.issued_at,
            revoked_at=certificate.revoked_at,
            revocation_reason=certificate.revocation_reason,
            supersedes=certificate.supersedes,
            superseded_by=certificate.superseded_by,
            includes_sequence=certificate.record_sequence,
            links=Links(
                verification=urls.verify(certificate.id),
                pdf=f"{path}/pdf",
                credential=f"{path}/credential",
            ),
        )


class PlacementCertificatesOut(BaseModel):
    placement_id: uuid.UUID = Field(examples=[EXAMPLE_PLACEMENT])
    status: Literal["open", "waiting", "issued", "withdrawn"] = Field(
        description="open: not ended yet; waiting: ended (or corrected after its certificate), "
        "but events are missing (see `waiting_reason`); issued: it has a certificate, which "
        "follows every correction; withdrawn: registered by mistake, so its certificate is "
        "revoked and none is issued again."
    )
    waiting_reason: str | None = Field(default=None, examples=["missing sequence 4"])
    certificates: list[CertificateOut] = Field(description="Oldest first, revoked ones too.")

    @classmethod
    def of(
        cls, placement: PlacementState, certificates: list[CertificateOut]
    ) -> PlacementCertificatesOut:
        return cls(
            placement_id=placement.placement_id,
            status=placement.status,
            waiting_reason=placement.waiting_reason,
            certificates=certificates,
        )


class WaitingItem(BaseModel):
    placement_id: uuid.UUID = Field(examples=[EXAMPLE_PLACEMENT])
    organisation: str = Field(examples=["sf"])
    reason: str = Field(examples=["missing sequence 4"])
    missing_sequences: list[int] = Field(examples=[[4]])
    waiting_since: datetime = Field(
        description="When it began to wait: when the service learned the placement ended, or "
        "when a correction after its certificate began to wait for an earlier event."
    )
    age_seconds: float = Field(examples=[5400.0])


class WaitingOut(BaseModel):
    count: int = Field(description="All waiting placements in scope, not only those listed.")
    oldest_age_seconds: float | None
    items: list[WaitingItem] = Field(description="The longest-waiting first.")

    @classmethod
    def of(cls, summary: WaitingSummary, items: list[WaitingPlacement]) -> WaitingOut:
        return cls(
            count=summary.count,
            oldest_age_seconds=(
                round(summary.oldest_age_seconds, 3)
                if summary.oldest_age_seconds is not None
                else None
            ),
            items=[
                WaitingItem(
                    placement_id=i.placement_id,
                    organisation=i.organisation,
                    reason=i.reason,
                    missing_sequences=list(i.missing_sequences),
                    waiting_since=i.waiting_since,
                    age_seconds=round(i.age_seconds, 3),
                )
                for i in items
            ],
        )


# --------------------------------------------------------------------------- verification


class IssuerOut(BaseModel):
    id: str = Field(examples=["https://intyg.malmo.se/issuer"])
    name: str = Field(examples=["Malmö stad"])


class PeriodOut(BaseModel):
    start: date
    end: date


class ModuleOut(BaseModel):
    module: str = Field(examples=["sprak"])
    name: str = Field(examples=["Språk"])
    level: str = Field(examples=["B1"])
    level_name: str = Field(examples=["Mellannivå"])


class VerificationOut(BaseModel):
    """What the verification page says, for machines. A valid certificate's answer repeats
    the paper's key facts, so that an altered paper is noticed, and nothing the paper does not
    show (never the personnummer). A revoked or superseded one's says only that, with its
    number, issuer and dates: the content fields are then null (``modules`` empty)."""

    certificate_id: str = Field(examples=[EXAMPLE_ID])
    genuine: bool = Field(description="Issued by this issuer, and its signature holds.")
    status: Literal["valid", "revoked", "superseded", "unknown"] = Field(
        description="superseded: replaced by a corrected certificate (which its holder has); "
        "revoked: withdrawn without one."
    )
    revoked: bool = Field(description="True when revoked or superseded: it no longer holds.")
    revoked_on: date | None = Field(default=None, description="When revoked or superseded.")
    issuer: IssuerOut | None = None
    organisation: str | None = Field(default=None, examples=["Serviceförvaltningen"])
    certificate_number: str | None = Field(default=None, examples=["KI-2026-000517"])
    issued_on: date | None = None
    name: str | None = Field(default=None, examples=["Amira Haddad Lindqvist"])
    role: str | None = Field(default=None, examples=["Biblioteksassistent"])
    workplace: str | None = Field(default=None, examples=["Stadsbiblioteket, Barnavdelningen"])
    period: PeriodOut | None = None
    employment_rate: int | None = Field(default=None, description="Percent of full time.")
    modules: list[ModuleOut] = Field(default_factory=list)
    verification_url: str | None = None

    @classmethod
    def unknown(cls, certificate_id: str) -> VerificationOut:
        return cls(certificate_id=certificate_id, genuine=False, status="unknown", revoked=False)
