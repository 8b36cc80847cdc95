"""The JSON report and the dashboard withhold small cells as the exports do, at every level of
the drill-down: a count of 1–4 shows as "<5", the count that would give it away as "..", and
no total minus the shown parts gives a withheld count back."""

from __future__ import annotations

import re
import uuid
from datetime import date
from html import unescape
from typing import Any

import pytest

from contracts.events import PlacementStarted
from reporting.domain.suppression import SECONDARY
from reporting.schemas import Report
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import Message, by_code
from tests.integration.reporting.test_exports import csv_rows
from tests.unit.reporting.withheld import assert_nothing_recoverable
from tools.samples import placement_started

pytestmark = pytest.mark.integration

YEAR: dict[str, Any] = {"kind": "year", "year": 2026}
PARK, LIBRARY = "Parken / Skötsel", "Biblioteket / Vuxen"
# Started in March 2026: ASF 6 at the park and 2 at the library; Stadskontoret 7 and
# Kulturförvaltningen 2 at the sample's workplace.
STARTS = {
    ("asf", "Parken", "Skötsel"): 6,
    ("asf", "Biblioteket", "Vuxen"): 2,
    ("sk", "", ""): 7,
    ("kf", "", ""): 2,
}
LEVELS: list[dict[str, str]] = [
    {},
    {"level": "committee", "unit": "asn"},
    {"level": "forvaltning", "unit": "asf"},
    {"level": "workplace", "unit": "asf", "workplace": PARK},
    {"level": "workplace", "unit": "asf", "workplace": LIBRARY},
]


def started(organisation: str, workplace: str = "", unit: str = "") -> Message:
    event = placement_started(organisation, uuid.uuid4())
    update: dict[str, Any] = {"start_date": date(2026, 3, 1), "planned_end_date": date(2026, 9, 30)}
    if workplace:
        update["workplace"] = event.payload.workplace.model_copy(
            update={"name": workplace, "unit": unit}
        )
    payload = event.payload.model_copy(update=update)
    event = PlacementStarted.model_validate({**event.model_dump(), "payload": payload})
    return Message(event.routing_key, event.model_dump_json().encode())


@pytest.fixture
async def city(suppressing: Reporting) -> Reporting:
    await suppressing.publish(
        started(organisation, workplace, unit)
        for (organisation, workplace, unit), n in STARTS.items()
        for _ in range(n)
    )
    suppressing.start()
    await suppressing.caught_up()
    return suppressing


async def test_a_forvaltning_withholds_its_small_workplace_and_the_complement(
    city: Reporting,
) -> None:
    report = await city.report(**YEAR, level="forvaltning", unit="asf")
    workplaces = by_code(report["by_workplace"])
    assert pick(workplaces[LIBRARY]) == ("<5", "<5", 0, SECONDARY)  # 2 placements
    # 6 is not small, but with the total 8 shown it would give the library's 2 away
    assert pick(workplaces[PARK]) == (SECONDARY, SECONDARY, 0, SECONDARY)
    assert pick(report["totals"])[:3] == (8, 8, 0)
    assert report["suppression_threshold"] == 5
    Report.model_validate(report)  # the withheld values are the schema's


async def test_the_json_and_the_exports_withhold_the_same_cells(city: Reporting) -> None:
    """A förvaltning's exports list its workplaces too, with the JSON's markers."""
    report = await city.report(**YEAR, **LEVELS[2])
    async with city.client() as client:
        response = await client.get("/report.csv", params={**YEAR, **LEVELS[2]})
    assert response.status_code == 200
    cells = csv_rows(response.content)
    table = "Platser per arbetsplats"
    for workplace in report["by_workplace"]:
        for key, column in (("started", "Startade"), ("fte", "Årsarbetare")):
            value = workplace[key]
            shown = value if isinstance(value, str) else str(value).replace(".", ",")
            assert cells[(table, workplace["name"], column)] == shown, (workplace["name"], key)
    assert cells[(table, LIBRARY, "Startade")] == "<5"
    assert cells[(table, "Arbetsmarknads- och socialförvaltningen", "Startade")] == "8"


async def test_a_workplace_withholds_every_small_count(city: Reporting) -> None:
    report = await city.report(**YEAR, level="workplace", unit="asf", workplace=LIBRARY)
    assert pick(report["totals"]) == ("<5", "<5", 0, SECONDARY)
    assert report["delivery"]["delivered"] == "<5"
    women = by_code(report["by_gender"])["female"]
    assert pick(women) == ("<5", "<5", 0, SECONDARY)
    assert by_code(report["by_type"])["extratjanst"]["started"] == "<5"
    assert [m["active"] for m in report["trend"][2:9]] == ["<5"] * 7  # March–September


async def test_no_level_gives_a_withheld_count_back_by_subtraction(city: Reporting) -> None:
    for unit in LEVELS:
        report = await city.report(**YEAR, **unit)
        assert_nothing_recoverable(Report.model_validate(report))
        assert not _small_numbers_among(report, ("started", "active", "ended", "delivered"))
    city_wide = await city.report(**YEAR)
    committees = by_code(city_wide["by_committee"])
    # Kulturnämnden's 2 is withheld, and so is Stadskontoret's 7 (the smallest other): the
    # city's total minus every shown committee leaves their sum, not either of them
    assert (committees["kn"]["started"], committees["ks"]["started"]) == ("<5", SECONDARY)
    shown = sum(g["started"] for g in committees.values() if isinstance(g["started"], int))
    assert (shown, city_wide["totals"]["started"]) == (8, 17)
    administrations = by_code(city_wide["by_administration"])
    assert administrations["asf"]["started"] == 8  # the förvaltning, not its workplaces


async def test_the_dashboard_shows_the_markers_and_explains_them(city: Reporting) -> None:
    async with city.client() as client:
        response = await client.get("/dashboard", params={**YEAR, **LEVELS[2]})
    assert response.status_code == 200
    page = response.text
    rows = _table_rows(page, "workplaces")
    library = next(r for r in rows if LIBRARY in unescape(r))
    cells = re.findall(r"<td>(.*?)</td>", library)[1:]
    assert cells[0] == '<abbr class="withheld" title="1–4 platser, dolt">&lt;5</abbr>'
    assert "dolt för att ett dolt tal inte ska kunna räknas fram" in cells[3]  # FTE: ".."
    assert not any(re.fullmatch(r"[1-4]", c) for c in cells)
    assert 'id="small-cells"' in page
    assert "Små tal döljs" in page
    assert '<input type="hidden" name="threshold" value="5">' in page  # the form keeps it


async def test_the_dashboard_draws_no_bar_for_a_withheld_figure(city: Reporting) -> None:
    async with city.client() as client:
        page = (await client.get("/dashboard", params=YEAR)).text
        library = (await client.get("/dashboard", params={**YEAR, **LEVELS[4]})).text
    delivery = _chart(page, "delivery")
    bars = re.findall(r'class="bar [a-z]+" data-value="(\d+)"', delivery)
    assert sorted(bars) == ["0"] * 10 + ["8"]  # none for Kulturnämnden's 2 nor the 7
    assert "&lt;5" in delivery  # the value texts carry the markers
    assert ">.." in delivery
    trend = _chart(library, "trend")
    assert re.findall(r'data-value="(\d+)"', trend) == ["0"] * 5  # Jan, Feb, Oct–Dec
    assert "&lt;5 aktiva" not in trend


def pick(figures: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(figures[k] for k in ("started", "active", "ended", "fte"))


def _small_numbers_among(value: Any, keys: tuple[str, ...]) -> list[Any]:
    """Every count under one of ``keys`` anywhere in the JSON that is from 1 to 4."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k in keys and isinstance(v, int) and 0 < v < 5]
        return found + [x for v in value.values() for x in _small_numbers_among(v, keys)]
    if isinstance(value, list):
        return [x for v in value for x in _small_numbers_among(v, keys)]
    return []


def _chart(page: str, name: str) -> str:
    match = re.search(rf'<svg id="chart-{name}".*?</svg>', page, re.S)
    assert match, name
    return match.group(0)


def _table_rows(page: str, section: str) -> list[str]:
    match = re.search(rf'<section class="card" id="{section}">(.*?)</section>', page, re.S)
    assert match, section
    return re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
