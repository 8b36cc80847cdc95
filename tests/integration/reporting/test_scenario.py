"""The hand-computed scenario, through the real broker's stream and the real database: every
figure of the report matches the arithmetic in ``scenario.py``."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import (
    CUSTOM_TURN_OF_YEAR,
    INTERIM_2026,
    MARCH_2026,
    TERTIAL_3_2026,
    UNIQUE_VALID_EVENTS,
    assert_year_2026,
    by_code,
    pick,
    trend,
    unusable_messages,
)
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_year_matches_the_hand_computed_figures(scenario: Reporting) -> None:
    assert_year_2026(await scenario.report(kind="year", year=2026))


async def test_interim_tertial_month_and_custom_periods(scenario: Reporting) -> None:
    interim = await scenario.report(kind="interim", year=2026)
    assert pick(interim["period"], ("start", "end", "days")) == INTERIM_2026["period"]
    assert interim["totals"] == INTERIM_2026["totals"]
    assert (
        pick(interim["delivery"], ("delivered", "target", "attainment"))
        == (INTERIM_2026["delivery"])
    )
    committees = by_code(interim["delivery"]["committees"], "committee")
    assert {
        code: (committees[code]["delivered"], committees[code]["met"])
        for code in INTERIM_2026["delivered_by_committee"]
    } == INTERIM_2026["delivered_by_committee"]
    assert interim["outcomes"]["work_or_studies_share"] == INTERIM_2026["work_or_studies_share"]
    assert len(interim["trend"]) == 8

    tertial = await scenario.report(kind="tertial", year=2026, tertial=3)
    assert tertial["totals"] == TERTIAL_3_2026
    assert tertial["period"]["start"] == "2026-09-01"

    march = await scenario.report(kind="month", year=2026, month=3)
    assert march["totals"] == MARCH_2026

    custom = await scenario.report(kind="custom", **{"from": "2025-12-15", "to": "2026-01-10"})
    assert custom["totals"] == CUSTOM_TURN_OF_YEAR["totals"]
    assert (
        pick(custom["delivery"], ("target_year", "delivered", "target", "attainment"))
        == (CUSTOM_TURN_OF_YEAR["delivery"])
    )
    assert custom["outcomes"]["work_or_studies_share"] == 1.0
    assert custom["certificates"] == CUSTOM_TURN_OF_YEAR["certificates"]
    assert trend(custom) == CUSTOM_TURN_OF_YEAR["trend"]


async def test_unusable_messages_are_recorded_with_their_reason_and_skipped(
    scenario: Reporting,
) -> None:
    async with scenario.client() as client:
        unusable = (await client.get("/operations/unusable-events")).json()
        status = (await client.get("/operations/status")).json()
    assert [u["reason"] for u in unusable] == [reason for _, reason in unusable_messages()]
    first_bad = scenario.published - len(unusable_messages())
    assert [u["stream_offset"] for u in unusable] == list(range(first_bad, scenario.published))
    foreign = unusable[3]
    assert foreign["producer"] == "kf"
    assert foreign["event_type"] == "PlacementUpdated"
    assert "registered by 'sk'" in foreign["detail"]
    assert status["last_offset"] == scenario.published - 1
    assert status["applied_events"] == UNIQUE_VALID_EVENTS + 2  # + foreign and unknown level
    assert status["placements"] == 8  # P9 never started
    assert status["unusable_by_reason"] == {reason: 1 for _, reason in unusable_messages()}
    assert status["consumer"]["role"] == "starting"  # this app's own consumer is not running


async def test_bad_requests_get_a_clear_4xx(scenario: Reporting) -> None:
    async with scenario.client() as client:
        month13 = await client.get("/report", params={"kind": "month", "year": 2026, "month": 13})
        no_tertial = await client.get("/report", params={"kind": "tertial", "year": 2026})
        backwards = await client.get(
            "/report", params={"kind": "custom", "from": "2026-02-01", "to": "2026-01-01"}
        )
        anonymous = await client.put("/reference/targets/2026", json={"placements": {"ks": 3}})
    async with scenario.client(admin=True) as admin:
        unknown = await admin.put("/reference/targets/2026", json={"placements": {"nope": 3}})
        negative = await admin.put("/reference/targets/2026", json={"placements": {"ks": -1}})
        register = (await admin.get("/reference/organisations")).json()
        register["committees"] = [c for c in register["committees"] if c["code"] != "asn"]
        orphaning = await admin.put("/reference/organisations", json=register)
    assert month13.status_code == 422
    assert no_tertial.status_code == 422
    assert "tertial" in no_tertial.text
    assert backwards.status_code == 422
    assert "ends before it starts" in backwards.text
    assert anonymous.status_code == 401
    assert unknown.status_code == 409
    assert "nope" in unknown.text
    assert negative.status_code == 422
    assert orphaning.status_code == 409
    assert "asn" in orphaning.text


async def test_reference_data_changes_through_the_api(scenario: Reporting) -> None:
    """Moving Kulturförvaltningen to Servicenämnden moves its placements there too; targets
    for another year do not touch 2026."""
    async with scenario.client(admin=True) as admin:
        register = (await admin.get("/reference/organisations")).json()
        for committee in register["committees"]:
            if committee["code"] == "kn":
                kf = next(a for a in committee["administrations"] if a["code"] == "kf")
                committee["administrations"] = [{"code": "kn-kansli", "name": "Kulturkansliet"}]
            if committee["code"] == "sn":
                committee["administrations"].append(kf)
        response = await admin.put("/reference/organisations", json=register)
        assert response.status_code == 200, response.text
        await scenario.set_targets(2027, {"sn": 10})
        targets = (await admin.get("/reference/targets")).json()
    assert targets["2027"] == {"placements": {"sn": 10}}
    assert targets["2026"] == {"placements": {"asn": 5, "kn": 1, "ks": 2}}
    committees = by_code((await scenario.report(kind="year", year=2026))["by_committee"])
    assert committees["sn"]["active"] == 2
    assert committees["kn"]["active"] == 0


async def test_ready_while_the_consumer_is_attached(reporting: Reporting) -> None:
    async with reporting.client() as client:
        before = await client.get("/ready")
        reporting.tasks.append(asyncio.create_task(reporting.own_consumer.run()))

        async def ready() -> bool:
            return (await client.get("/ready")).status_code == 200

        await eventually(ready)
        metrics = (await client.get("/metrics")).text
    assert before.status_code == 503
    assert before.json()["checks"]["database"] == "ok"
    assert "not consuming" in before.json()["checks"]["stream consumer"]
    assert "reporting_consumer_attached 1.0" in metrics
