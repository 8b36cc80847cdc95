"""``POST /participants/search``: one person's placements with the calling förvaltning, the
personnummer only in the body, and the search logged without it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import LogCapture

from placements.service import queries
from tests.integration.placements.conftest import Placements, participant, registration

pytestmark = pytest.mark.integration

AMINA = registration()["participant"]["personnummer"]


async def search(client: httpx.AsyncClient, number: str, **params: Any) -> httpx.Response:
    return await client.post("/participants/search", json={"personnummer": number}, params=params)


async def created(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/placements", json=registration(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_forvaltning_finds_its_own_placements_of_the_person(
    placements: Placements,
) -> None:
    async with placements.client("sf") as sf, placements.client("kf") as kf:
        first = await created(sf)
        second = await created(sf, overlap_intended=True, role="Bokbussvärd")
        await created(sf, participant=participant(1))  # someone else
        theirs = await created(kf)  # the same person with another förvaltning

        found = await search(sf, AMINA.replace("-", ""))  # normalised as at registration
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["items"] == [first, second], "the same items as GET /placements"
        assert body["next_cursor"] is None

        page = (await search(sf, AMINA, limit=1)).json()
        assert [p["id"] for p in page["items"]] == [first["id"]]
        rest = (await search(sf, AMINA, limit=1, cursor=page["next_cursor"])).json()
        assert [p["id"] for p in rest["items"]] == [second["id"]]

        assert [p["id"] for p in (await search(kf, AMINA)).json()["items"]] == [theirs["id"]]
        nobody = await search(kf, participant(1)["personnummer"])
        assert nobody.json() == {"items": [], "next_cursor": None}


async def test_the_search_is_logged_without_the_personnummer(
    placements: Placements, monkeypatch: pytest.MonkeyPatch
) -> None:
    capture = LogCapture()  # the tests' own logging shows warnings only: record the line itself
    recorder = structlog.wrap_logger(
        None, processors=[capture], wrapper_class=structlog.BoundLogger
    )
    monkeypatch.setattr(queries, "log", recorder)
    async with placements.client("sf") as sf:
        await created(sf)
        found = await search(sf, AMINA)
    assert found.status_code == 200
    logs = capture.entries
    [line] = [entry for entry in logs if entry["event"] == "participant search"]
    assert line["organisation"] == "sf"
    assert line["results"] == 1
    digits = AMINA.replace("-", "")
    assert all(digits[2:] not in str(entry) and AMINA not in str(entry) for entry in logs)


async def test_the_search_asks_for_a_token_and_a_valid_personnummer(
    placements: Placements,
) -> None:
    async with placements.client(None) as anonymous, placements.client("sf") as sf:
        assert (await search(anonymous, AMINA)).status_code == 401
        invalid = await search(sf, "19990315-4120")
        assert invalid.status_code == 422
        [error] = invalid.json()["detail"]
        assert error["loc"] == ["body", "personnummer"]
        url = await sf.post("/participants/search", params={"personnummer": AMINA})
        assert url.status_code == 422, "the personnummer is never taken from the URL"


async def test_the_search_is_in_the_openapi_document(placements: Placements) -> None:
    async with placements.client() as client:
        document = (await client.get("/openapi.json")).json()
    route = document["paths"]["/participants/search"]["post"]
    assert {"200", "401", "422"} <= set(route["responses"])
    assert {p["name"] for p in route["parameters"]} == {"limit", "cursor"}
    assert "personnummer" in document["components"]["schemas"]["FindParticipant"]["properties"]
