"""Drill-down from the city to a committee, a förvaltning and a workplace: every level's report
counts exactly its part of the city's placements, with its own target; the dashboard links
each level to the next (plain links, no JavaScript); bad units are refused, naming the
parameter."""

from __future__ import annotations

import re
import uuid
from datetime import date
from html import unescape
from typing import Any

import pytest

from contracts.events import PlacementStarted, PlacementStartedPayload, Workplace
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import Message, by_code

pytestmark = pytest.mark.integration

YEAR: dict[str, str | int] = {"kind": "year", "year": 2026}
THEATRE = "Stadsteatern / Scen"  # a second workplace of kf, beside the scenario's


async def add_theatre_placement(service: Reporting) -> None:
    event = PlacementStarted(
        producer="kf",
        placement_id=uuid.uuid4(),
        sequence=1,
        payload=PlacementStartedPayload(
            participant_ref="1e" * 32,
            gender="male",
            age_band="up_to_24",
            placement_type="extratjanst",
            workplace=Workplace(name="Stadsteatern", unit="Scen"),
            role="Scenarbetare",
            employment_rate=50,
            start_date=date(2026, 3, 1),
            planned_end_date=date(2026, 8, 31),
        ),
    )
    await service.publish([Message(event.routing_key, event.model_dump_json().encode())])
    await service.caught_up()


async def test_each_level_counts_its_part_of_the_city(scenario: Reporting) -> None:
    await add_theatre_placement(scenario)
    city = await scenario.report(**YEAR)
    committees = by_code(city["by_committee"], "code")
    administrations = by_code(city["by_administration"], "code")

    for committee in ("ks", "asn", "kn"):
        report = await scenario.report(**YEAR, level="committee", unit=committee)
        assert report["unit"]["name"] == committees[committee]["name"]
        assert report["totals"] == _figures(committees[committee])
        delivery = by_code(city["delivery"]["committees"], "committee")[committee]
        assert report["delivery"]["target"] == delivery["target"]  # the committee's own
    for administration in ("sk", "asf", "kf"):
        report = await scenario.report(**YEAR, level="forvaltning", unit=administration)
        assert report["totals"] == _figures(administrations[administration])
        assert report["delivery"]["target"] is None  # targets are per committee
        workplaces = report["by_workplace"]
        assert sum(w["active"] for w in workplaces) == report["totals"]["active"]

    kf = await scenario.report(**YEAR, level="forvaltning", unit="kf")
    theatre = by_code(kf["by_workplace"], "code")[THEATRE]
    assert (theatre["started"], theatre["active"], theatre["ended"]) == (1, 1, 0)
    assert theatre["fte"] == round(0.5 * 184 / 365, 2)  # 1 March – 31 August at 50 %
    report = await scenario.report(**YEAR, level="workplace", unit="kf", workplace=THEATRE)
    assert report["totals"] == _figures(theatre)
    assert [u["level"] for u in report["unit"]["path"]] == ["city", "committee", "forvaltning"]
    assert report["by_gender"][1]["active"] == 1  # every figure counts at the workplace


def _figures(group: dict[str, Any]) -> dict[str, Any]:
    return {k: group[k] for k in ("started", "active", "ended", "fte")}


async def test_the_dashboard_drills_down_by_links(scenario: Reporting) -> None:
    await add_theatre_placement(scenario)
    async with scenario.client() as client:
        page = (await client.get("/dashboard", params=YEAR)).text
        for name in ("Kulturnämnden", "Kulturförvaltningen", THEATRE):
            link = _link(page, name)
            assert "kind=year&year=2026" in link  # the period is kept
            response = await client.get(link)
            assert response.status_code == 200
            page = response.text
            assert f'<strong aria-current="page">{name}</strong>' in unescape(page)
        export = await client.get(link.replace("/dashboard", "/report.csv"))
        assert export.status_code == 200


def _link(page: str, name: str) -> str:
    match = re.search(r'<a href="([^"]+)">' + re.escape(name) + "</a>", unescape(page))
    assert match, f"no link to {name!r}"
    return match.group(1)


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"level": "committee"}, "unit", "missing"),
        ({"level": "committee", "unit": "nosuch"}, "unit", "unknown_committee"),
        ({"unit": "ks"}, "unit", "not_allowed"),
        ({"level": "forvaltning", "unit": "kf", "workplace": "X"}, "workplace", "not_allowed"),
        ({"level": "workplace", "unit": "kf"}, "workplace", "missing"),
        ({"level": "region"}, "level", "enum"),
        ({"level": "forvaltning", "unit": "KF!"}, "unit", "string_pattern_mismatch"),
    ],
)
async def test_a_bad_unit_is_refused_naming_the_parameter(
    reporting: Reporting, params: dict[str, str], field: str, rule: str
) -> None:
    async with reporting.client() as client:
        for path in ("/report", "/report.csv", "/dashboard"):
            response = await client.get(path, params={**YEAR, **params})
            assert response.status_code == 422, (path, response.text)
            [error] = response.json()["detail"]
            assert (error["loc"][-1], error["type"]) == (field, rule)
