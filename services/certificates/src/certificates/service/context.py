"""What every use case needs besides the unit of work: reference data, the issuer, its signer
and the renderer of the paper (both ports), and the public addresses that certificates print
and credentials point at."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from certificates.domain.credential import Issuer, verification_method_id
from certificates.service.ports import Renderer, Signer
from contracts.calendar import CITY_TIME
from contracts.organisations import OrganisationRegister
from contracts.reference import Language, ReferenceData

KEY_ID = "key-1"


@dataclass(frozen=True)
class Urls:
    """Public addresses, all under the service's public base URL."""

    base: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    def verify(self, certificate_id: uuid.UUID) -> str:
        """Printed on the paper and encoded in its QR code."""
        return f"{self.base}/verify/{certificate_id}"

    def status_list(self, list_id: int) -> str:
        return f"{self.base}/status/{list_id}"

    @property
    def issuer_id(self) -> str:
        """The issuer's id; it serves the controller document with the public key."""
        return f"{self.base}/issuer"

    @property
    def verification_method(self) -> str:
        return verification_method_id(self.issuer_id, KEY_ID)

    @property
    def achievement(self) -> str:
        return f"{self.base}/achievements/kompetensintyg"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    reference: ReferenceData
    register: OrganisationRegister
    signer: Signer
    renderer: Renderer
    issuer_name: str
    urls: Urls
    issuer_url: str | None = None
    issuer_email: str | None = None
    emblem: str | None = None
    """The city's emblem as a URL or ``data:`` URI: the issuer's and the achievement's image."""
    timezone: ZoneInfo = CITY_TIME
    language: Language = "sv"
    """The language a certificate is issued in unless a re-issue asks for another."""
    clock: Callable[[], datetime] = _now

    @property
    def issuer(self) -> Issuer:
        return Issuer(
            id=self.urls.issuer_id,
            name=self.issuer_name,
            url=self.issuer_url,
            email=self.issuer_email,
            image=self.emblem,
        )

    def organisation_name(self, code: str) -> str:
        """The förvaltning's name from the register; its code if the register lacks it (the
        broker only lets registered förvaltningar publish, so that is a stale register)."""
        try:
            return self.register.administration(code).name
        except KeyError:
            return code

    def local_date(self, moment: datetime) -> date:
        """The date printed on the paper: the city's calendar day, not UTC's."""
        return moment.astimezone(self.timezone).date()
