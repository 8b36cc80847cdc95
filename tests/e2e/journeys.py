"""What the end-to-end tests do through the public APIs, as a förvaltning and ASF would."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import City
from tests.integration.placements.conftest import registration
from tests.support import eventually
from tools.samples import personnummer


async def live_a_placement(city: City, born: str) -> str:
    """Register, assess twice, record mervärde and end: returns the placement id."""
    body = registration()
    body["participant"]["personnummer"] = personnummer(born, "384")
    async with city.client("placements") as placements:
        created = await placements.post("/placements", json=body)
        assert created.status_code == 201, created.text
        url = f"/placements/{created.json()['id']}"
        for day, level in (("2026-02-01", "A2"), ("2026-06-01", "B1")):
            round_ = {
                "assessed_on": day,
                "assessor": "handledare",
                "modules": [{"module": "sprak", "level": level, "comment": "Bra framsteg."}],
            }
            assert (await placements.post(f"{url}/assessment-rounds", json=round_)).is_success
        assert (
            await placements.post(
                f"{url}/value-added",
                json={"beneficiary": "individual", "category": "sprakutveckling"},
            )
        ).is_success
        ended = await placements.post(f"{url}/end", json={"end_date": "2026-06-30", "outcome": "A"})
        assert ended.status_code == 200, ended.text
    return str(created.json()["id"])


async def certificate_of(city: City, placement_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def issued() -> bool:
        async with city.client("certificates") as certificates:
            response = await certificates.get(f"/placements/{placement_id}/certificates")
        if response.status_code == 200 and response.json()["certificates"]:
            found.update(response.json()["certificates"][0])
            return True
        return False

    await eventually(issued, within=60)
    return found


async def reported(city: City, ended: int, certified: int | None = None) -> dict[str, Any]:
    """The year's report once it counts ``ended`` placements (and ``certified`` certificates:
    a certificate reaches reporting after its end, through the certificates service)."""
    report: dict[str, Any] = {}

    async def counted() -> bool:
        async with city.client("reporting") as reporting:
            response = await reporting.get("/report", params={"kind": "year", "year": 2026})
        report.update(response.json())
        if response.status_code != 200 or report["totals"]["ended"] != ended:
            return False
        return certified is None or report["certificates"]["certified"] == certified

    await eventually(counted, within=60)
    return report
