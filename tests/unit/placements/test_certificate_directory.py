"""What the app shows of a placement's certificate, from the certificates service's answers."""

from __future__ import annotations

import uuid

import httpx
import pytest

from placements.adapters.certificates import HttpCertificateDirectory
from placements.domain.errors import CertificateNotFound

PLACEMENT = uuid.uuid4()
CERTIFICATE = uuid.uuid4()


def answering(routes: dict[str, httpx.Response]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer sf-token"
        return routes.get(request.url.path, httpx.Response(404))

    return httpx.MockTransport(handle)


def directory(routes: dict[str, httpx.Response]) -> HttpCertificateDirectory:
    return HttpCertificateDirectory("http://certificates", {"sf": "sf-token"}, answering(routes))


async def test_an_issued_certificate_is_shown_with_its_number() -> None:
    body = {
        "placement_id": str(PLACEMENT),
        "status": "issued",
        "certificates": [
            {
                "id": str(CERTIFICATE),
                "number": "KI-2026-000001",
                "status": "valid",
                "issued_at": "2026-07-01T10:00:00+00:00",
            }
        ],
    }
    found = directory({f"/placements/{PLACEMENT}/certificates": httpx.Response(200, json=body)})
    state = await found.state("sf", PLACEMENT)
    assert state.status == "issued"
    assert [(c.id, c.number) for c in state.certificates] == [(CERTIFICATE, "KI-2026-000001")]


async def test_a_placement_the_service_has_not_heard_of_is_unknown() -> None:
    assert (await directory({}).state("sf", PLACEMENT)).status == "unknown"


async def test_without_a_token_for_the_forvaltning_or_a_url_the_state_is_unavailable() -> None:
    assert (await directory({}).state("kf", PLACEMENT)).status == "unavailable"
    unconfigured = HttpCertificateDirectory(None, {"sf": "sf-token"})
    assert (await unconfigured.state("sf", PLACEMENT)).status == "unavailable"
    with pytest.raises(CertificateNotFound):
        await unconfigured.pdf("sf", CERTIFICATE, "sv")


async def test_an_unreachable_service_is_unavailable_not_an_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    down = HttpCertificateDirectory("http://certificates", {"sf": "t"}, httpx.MockTransport(refuse))
    assert (await down.state("sf", PLACEMENT)).status == "unavailable"


async def test_the_pdf_in_the_language_asked_for() -> None:
    def pdf(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=f"%PDF {request.url.params['language']}".encode())

    found = HttpCertificateDirectory("http://certificates", {"sf": "t"}, httpx.MockTransport(pdf))
    assert await found.pdf("sf", CERTIFICATE, "en") == b"%PDF en"
