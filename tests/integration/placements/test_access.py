"""Each förvaltning sees and changes only its own placements."""

from __future__ import annotations

import pytest

from tests.integration.placements.conftest import Placements, registration

pytestmark = pytest.mark.integration


async def test_another_forvaltnings_placement_is_not_found(placements: Placements) -> None:
    async with placements.client("sf") as sf, placements.client("kf") as kf:
        created = (await sf.post("/placements", json=registration())).json()
        url = f"/placements/{created['id']}"

        assert (await kf.get(url)).status_code == 404
        for path, body in (
            ("end", {"end_date": "2026-06-01", "outcome": "A"}),
            ("planned-end", {"planned_end_date": "2026-08-01"}),
            ("value-added", {"beneficiary": "individual", "category": "sprakutveckling"}),
            (
                "assessments",
                {"module": "sprak", "level": "B1", "assessed_on": "2026-02-01", "assessor": "x"},
            ),
        ):
            response = await kf.post(f"{url}/{path}", json=body)
            assert response.status_code == 404, path
        assert (await kf.get("/placements")).json()["items"] == []

        mine = (await sf.get(url)).json()
    assert mine["status"] == "active"
    assert mine["sequence"] == 1, "nothing another förvaltning did reached the placement"


async def test_requests_without_a_valid_token_are_refused(placements: Placements) -> None:
    async with placements.client(None) as anonymous:
        missing = await anonymous.get("/placements")
        wrong = await anonymous.get("/placements", headers={"Authorization": "Bearer nope"})
        created = await anonymous.post("/placements", json=registration())
    for response in (missing, wrong, created):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    async with placements.client("sf") as sf:
        assert (await sf.get("/placements")).json()["items"] == []
