"""People make mistakes, and the whole city follows their corrections: a förvaltning corrects
an ended placement's outcome, an assessment and its end date, and withdraws a placement
registered by mistake. The certificate is superseded once, the withdrawn placement's
certificate is revoked, ASF's figures are the corrected truth, and a rebuild of the
projection from the first offset gives the same figures."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from tests.e2e.conftest import City
from tests.e2e.journeys import certificate_of, live_a_placement, reported
from tests.support import eventually

pytestmark = pytest.mark.integration


async def correct(city: City, path: str, body: dict[str, Any]) -> None:
    async with city.client("placements") as placements:
        response = await placements.post(path, json=body)
    assert response.status_code == 200, response.text


async def certificates_of(city: City, placement_id: str) -> list[dict[str, Any]]:
    async with city.client("certificates") as certificates:
        response = await certificates.get(f"/placements/{placement_id}/certificates")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["certificates"]
    return found


async def credential(city: City, certificate: dict[str, Any]) -> dict[str, Any]:
    async with city.client("certificates") as certificates:
        response = await certificates.get(certificate["links"]["credential"])
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def valid_certificate_showing(
    city: City, placement_id: str, end_date: str, sprak_level: str
) -> dict[str, Any]:
    """Waits for the placement's one valid certificate to print the corrected facts."""
    found: dict[str, Any] = {}

    async def shows_corrections() -> bool:
        valid = [c for c in await certificates_of(city, placement_id) if c["status"] == "valid"]
        if len(valid) != 1:
            return False
        subject = (await credential(city, valid[0]))["credentialSubject"]
        levels = [r["achievedLevel"] for r in subject.get("result", [])]
        ends = subject.get("activityEndDate", "")
        if ends.startswith(end_date) and any(
            lv.endswith(f"sprak-level-{sprak_level}") for lv in levels
        ):
            found.update(valid[0])
            return True
        return False

    await eventually(shows_corrections, within=60)
    return found


async def the_second_sprak_assessment(city: City, placement_id: str) -> str:
    async with city.client("placements") as placements:
        placement = (await placements.get(f"/placements/{placement_id}")).json()
    sprak = sorted(
        (a for a in placement["assessments"] if a["module"] == "sprak"),
        key=lambda a: str(a["assessed_on"]),
    )
    return str(sprak[-1]["id"])


async def rebuild_the_projection(city: City) -> None:
    """The operator's rebuild: empty the projection and replay the stream from the start."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reporting",
        "rebuild",
        env=city.environments["reporting"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()


async def report_2026(city: City) -> dict[str, Any]:
    async with city.client("reporting") as reporting:
        response = await reporting.get("/report", params={"kind": "year", "year": 2026})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_corrections_and_a_withdrawal_reach_the_certificate_and_the_figures(
    city: City,
) -> None:
    kept = await live_a_placement(city, "19950412")
    mistaken = await live_a_placement(city, "19870903")
    original = await certificate_of(city, kept)
    mistaken_certificate = await certificate_of(city, mistaken)
    await reported(city, ended=2)

    url = f"/placements/{kept}"
    await correct(
        city,
        f"{url}/corrections/assessments/{await the_second_sprak_assessment(city, kept)}",
        {
            "module": "sprak",
            "level": "A2",
            "assessed_on": "2026-06-01",
            "assessor": "handledare",
            "comment": "Bra framsteg.",
            "reason": "Nivån fördes in fel: A2, inte B1",
        },
    )
    await correct(
        city,
        f"{url}/corrections/end",
        {"end_date": "2026-06-20", "outcome": "B", "reason": "Slutade tidigare, för studier"},
    )
    await correct(city, f"/placements/{mistaken}/withdrawal", {"reason": "Registrerad två gånger"})

    latest = await valid_certificate_showing(city, kept, "2026-06-20", "A2")
    chain = await certificates_of(city, kept)
    by_id = {c["id"]: c for c in chain}
    assert by_id[original["id"]]["status"] == "revoked"
    assert by_id[original["id"]]["superseded_by"] is not None
    for certificate in chain:  # one line of succession: nothing forked, nothing issued twice
        if certificate["id"] != latest["id"]:
            assert certificate["status"] == "revoked"
            successor = by_id[certificate["superseded_by"]]
            assert successor["supersedes"] == certificate["id"]
    assert len({c["supersedes"] for c in chain}) == len(chain)

    async def revoked() -> bool:
        [only] = await certificates_of(city, mistaken)
        return bool(only["status"] == "revoked")

    await eventually(revoked, within=60)
    [withdrawn] = await certificates_of(city, mistaken)
    assert withdrawn["id"] == mistaken_certificate["id"]
    assert "Registrerad två gånger" in (withdrawn["revocation_reason"] or "")

    async def corrected_figures() -> bool:
        report = await report_2026(city)
        outcomes = {row["code"]: row["count"] for row in report["outcomes"]["by_code"]}
        return bool(report["totals"]["started"] == 1 and outcomes.get("B") == 1)

    await eventually(corrected_figures, within=60)
    live = await report_2026(city)
    assert live["totals"]["ended"] == 1
    assert live["certificates"]["certified"] == 1
    [sprak] = [m for m in live["progression"] if m["module"] == "sprak"]
    assert (sprak["compared"], sprak["improved"], sprak["same"]) == (1, 0, 1)

    await rebuild_the_projection(city)
    assert await report_2026(city) == live
