"""The certificates service's förvaltning API, asked for the supervisors' pages: a placement's
certificate state and the PDF. Each förvaltning is asked with its own token there."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import httpx

from placements.domain.errors import CertificateNotFound
from placements.service.ports import CertificateState, IssuedCertificate
from runtime.logging import get_logger

log = get_logger(__name__)
TIMEOUT_SECONDS = 10.0


class HttpCertificateDirectory:
    def __init__(
        self,
        base_url: str | None,
        tokens: Mapping[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url
        self._tokens = dict(tokens)
        self._transport = transport  # the tests' stand-in for the service

    async def state(self, organisation: str, placement_id: uuid.UUID) -> CertificateState:
        try:
            response = await self._get(organisation, f"/placements/{placement_id}/certificates")
        except CertificateNotFound:
            return CertificateState("unavailable")
        if response.status_code == httpx.codes.NOT_FOUND:
            return CertificateState("unknown")
        if response.status_code != httpx.codes.OK:
            log.warning("certificates service answered", status=response.status_code)
            return CertificateState("unavailable")
        body = response.json()
        return CertificateState(
            body["status"],
            body.get("waiting_reason"),
            tuple(
                IssuedCertificate(
                    uuid.UUID(c["id"]),
                    c["number"],
                    c["status"],
                    datetime.fromisoformat(c["issued_at"]),
                )
                for c in body["certificates"]
            ),
        )

    async def pdf(self, organisation: str, certificate_id: uuid.UUID, language: str) -> bytes:
        response = await self._get(
            organisation, f"/certificates/{certificate_id}/pdf", {"language": language}
        )
        if response.status_code != httpx.codes.OK:
            raise CertificateNotFound(str(certificate_id))
        return response.content

    async def _get(
        self, organisation: str, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        token = self._tokens.get(organisation)
        if self._base_url is None or token is None:
            raise CertificateNotFound("the certificates service is not configured")
        try:
            async with httpx.AsyncClient(
                base_url=self._base_url, timeout=TIMEOUT_SECONDS, transport=self._transport
            ) as http:
                return await http.get(
                    path, params=params, headers={"Authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError as error:
            log.warning("certificates service unreachable", error=str(error))
            raise CertificateNotFound("the certificates service cannot be reached") from error
