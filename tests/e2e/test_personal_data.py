"""Personal data in the running city (the three services as processes): a person's register
extract covers both services that hold identity; past the retention period the operator
command erases the identity from both, the certificate still verifies, and the ASF figures
do not move (reporting never held identity)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import City
from tests.e2e.journeys import certificate_of, live_a_placement, reported
from tools.samples import personnummer

pytestmark = pytest.mark.integration

BORN = "19950412"


async def erase_expired(city: City, service: str, retention_days: int) -> dict[str, Any]:
    """``python -m <service> erase-expired`` as an operator runs it: its answer, as JSON."""
    environment = {
        **city.environments[service],
        f"{service.upper()}_RETENTION_DAYS": str(retention_days),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        service,
        "erase-expired",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    answer: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return answer


async def test_the_extract_covers_both_services_and_retention_keeps_the_figures(
    city: City,
) -> None:
    placement_id = await live_a_placement(city, BORN)
    certificate = await certificate_of(city, placement_id)
    before = await reported(city, ended=1, certified=1)
    person = {"personnummer": personnummer(BORN, "384")}
    admin = {"Authorization": f"Bearer {city.admin_token}"}
    async with httpx.AsyncClient(base_url=city.urls["placements"], headers=admin) as placements:
        extract = (await placements.post("/participants/register-extract", json=person)).json()
    [held] = extract["certificates"]["placements"]
    assert [c["certificate"]["id"] for c in held["certificates"]] == [certificate["id"]]
    assert [p["id"] for p in extract["placements"]] == [placement_id]

    # The placement ended 2026-06-30: with a 30-day period it is past it (the services' own
    # schedule keeps the default period, so nothing was erased before this).
    placements_run = await erase_expired(city, "placements", retention_days=30)
    certificates_run = await erase_expired(city, "certificates", retention_days=30)
    assert placements_run["erased"]["placements"] == 1
    assert certificates_run["erased"]["certificates"] == 1

    async with city.client("placements") as placements:
        erased = (await placements.get(f"/placements/{placement_id}")).json()
    assert erased["participant"]["personnummer"] is None
    assert erased["participant"]["participant_ref"]
    async with httpx.AsyncClient(base_url=city.urls["certificates"]) as public:
        verified = (await public.get(f"/verify/{certificate['id']}?format=json")).json()
    assert (verified["genuine"], verified["status"], verified["name"]) == (True, "valid", None)
    after = await reported(city, ended=1, certified=1)
    assert after == before, "reporting holds no identity: erasure changes no figure"
