"""The certificates service's HTTP API, asked by placements: a placement's certificate state
and the PDF for the supervisors' pages (each förvaltning with its own token there), and the
certificates' part of a register extract (with a token of the admin role there, on behalf of
the caller whose scope it passes on)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from placements.domain.errors import CertificateNotFound
from placements.service.ports import (
    CertificateState,
    CertificatesUnavailable,
    IssuedCertificate,
)
from runtime.http.correlation import CORRELATION_HEADER
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


class HttpCertificatesRegister:
    def __init__(
        self, base_url: str, token: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        """``transport``: the tests reach an in-process certificates app through it."""
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._transport = transport

    async def extract(
        self, personnummer: str, organisation: str | None, correlation_id: str
    ) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(
                timeout=TIMEOUT_SECONDS, transport=self._transport
            ) as client:
                response = await client.post(
                    f"{self._base_url}/participants/register-extract",
                    json={"personnummer": personnummer, "organisation": organisation},
                    headers={
                        "Authorization": f"Bearer {self._token}",
                        CORRELATION_HEADER: correlation_id,
                    },
                )
        except httpx.HTTPError as error:
            raise CertificatesUnavailable(f"the certificates service: {error!r}") from error
        if response.status_code != httpx.codes.OK:
            raise CertificatesUnavailable(
                f"the certificates service answered {response.status_code}"
            )
        body: dict[str, Any] = response.json()
        return body
