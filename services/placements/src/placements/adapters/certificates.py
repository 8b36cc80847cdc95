"""The certificates service's part of a register extract, over its HTTP API, with a token of
the admin role there (the placements service asks on behalf of its caller, whose scope it
passes on)."""

from __future__ import annotations

from typing import Any

import httpx

from placements.service.ports import CertificatesUnavailable
from runtime.http.correlation import CORRELATION_HEADER

TIMEOUT_SECONDS = 10.0


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
