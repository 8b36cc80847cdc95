"""Reporting's parameters: a period it does not support is a 422 naming the parameter (never a
500, never just ``kind``), on every route that takes a period; a shorter period is compared
with its pro-rata share of the year's target, and every rendering says so; the reference data
bodies follow the text and number rules and store nothing when refused."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from tests.integration.reporting.conftest import Reporting

pytestmark = pytest.mark.integration

PERIOD_ROUTES = ["/report", "/report.csv", "/report.xlsx", "/dashboard"]
TARGETS = {"ks": 400, "asn": 1000, "kn": 100}  # 1,500 in 2026


def the_error(response: httpx.Response) -> tuple[list[str | int], str]:
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    return error["loc"], error["type"]


@pytest.mark.parametrize("route", PERIOD_ROUTES)
@pytest.mark.parametrize(
    ("params", "parameter", "rule"),
    [
        ({"year": "1999"}, "year", "greater_than_equal"),
        ({"year": "2101"}, "year", "less_than_equal"),
        ({"year": "true"}, "year", "int_parsing"),
        ({"kind": "custom", "from": "0", "to": "2026-01-31"}, "from", "date_format"),
        ({"kind": "custom", "from": "2026-01-01", "to": "1767225600"}, "to", "date_format"),
        ({"kind": "custom", "from": "0001-01-01", "to": "0001-12-31"}, "from", "period.year_range"),
        ({"kind": "custom", "from": "2100-12-01", "to": "9999-12-31"}, "to", "period.year_range"),
        ({"kind": "custom", "from": "2026-02-01", "to": "2026-01-01"}, "to", "period.order"),
        ({"kind": "custom", "from": "2000-01-01", "to": "2090-01-01"}, "to", "period.too_long"),
        ({"kind": "custom", "to": "2026-01-31"}, "from", "period.missing"),
        ({"kind": "custom", "from": "2026-01-01"}, "to", "period.missing"),
        ({"kind": "tertial", "year": "2026"}, "tertial", "period.missing"),
        ({"kind": "month", "year": "2026"}, "month", "period.missing"),
        ({"kind": "month", "year": "2026", "month": "13"}, "month", "less_than_equal"),
        ({"kind": "week"}, "kind", "enum"),
    ],
)
async def test_an_unsupported_period_names_its_parameter(
    reporting: Reporting, route: str, params: dict[str, str], parameter: str, rule: str
) -> None:
    async with reporting.client() as client:
        response = await client.get(route, params=params)
    assert the_error(response) == (["query", parameter], rule)


async def get(reporting: Reporting, route: str, **params: Any) -> httpx.Response:
    async with reporting.client() as client:
        response = await client.get(route, params=params)
    assert response.status_code == 200, response.text
    return response


async def test_a_month_is_compared_with_its_share_of_the_year(reporting: Reporting) -> None:
    await reporting.set_targets(2026, TARGETS)

    september = (await get(reporting, "/report", kind="month", year=2026, month=9)).json()

    delivery = september["delivery"]
    assert delivery["target_basis"] == "pro_rata"
    assert delivery["target_share"] == round(30 / 365, 4)
    assert (delivery["annual_target"], delivery["target"]) == (1500, 123)  # 1,500 × 30/365
    targets = {
        row["committee"]: (row["annual_target"], row["target"]) for row in delivery["committees"]
    }
    assert targets["ks"] == (400, 33)  # 32.9
    assert targets["asn"] == (1000, 82)  # 82.2
    assert delivery["target_label"] == "Mål för perioden (andel av årsmålet, 30 av 365 dagar)"


@pytest.mark.parametrize(
    ("params", "basis", "target"),
    [
        ({"kind": "year", "year": 2026}, "year", 1500),
        ({"kind": "interim", "year": 2026}, "year", 1500),  # the delår: progress to the year
        ({"kind": "tertial", "year": 2026, "tertial": 1}, "pro_rata", 493),  # 120 days
        ({"kind": "custom", "from": "2026-07-01", "to": "2026-07-10"}, "pro_rata", 41),
        ({"kind": "custom", "from": "2025-12-01", "to": "2026-01-31"}, None, None),
    ],
)
async def test_which_target_each_period_is_compared_with(
    reporting: Reporting, params: dict[str, Any], basis: str | None, target: int | None
) -> None:
    await reporting.set_targets(2026, TARGETS)
    delivery = (await get(reporting, "/report", **params)).json()["delivery"]
    assert (delivery["target_basis"], delivery["target"]) == (basis, target)


async def test_the_dashboard_and_the_exports_say_which_target(reporting: Reporting) -> None:
    await reporting.set_targets(2026, TARGETS)
    month = {"kind": "month", "year": 2026, "month": 9}

    page = (await get(reporting, "/dashboard", **month)).text
    content = (await get(reporting, "/report.csv", **month)).content
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    cells = {(table, row, column): value for table, row, column, value in rows}
    year_page = (await get(reporting, "/dashboard", kind="year", year=2026)).text

    assert "Mål för perioden (andel av årsmålet, 30 av 365 dagar)" in page
    assert "periodens andel av årsmålet 123" in page
    assert "Mål för perioden" not in year_page
    assert '<p class="target-basis">Årsmål</p>' in year_page
    committees = "Platser och mål per nämnd"
    assert cells[(committees, "Kommunstyrelsen", "Mål för perioden (andel av årsmålet)")] == "33"
    assert cells[("Om rapporten", "Mål", "Värde")].startswith("Mål för perioden (andel av")


# --- reference data --------------------------------------------------------------------------


async def put_raw(reporting: Reporting, url: str, body: Any) -> httpx.Response:
    async with reporting.client(admin=True) as client:
        return await client.put(
            url,
            content=json.dumps(body, ensure_ascii=True, allow_nan=True),
            headers={"Content-Type": "application/json"},
        )


async def register(reporting: Reporting) -> dict[str, Any]:
    async with reporting.client() as client:
        body: dict[str, Any] = (await client.get("/reference/organisations")).json()
    return body


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Kommun\x00styrelsen", "text.control_character"),
        ("\u202eKommunstyrelsen", "text.bidi_control"),
        ("\u200b", "text.invisible"),
        ("Kommun\ud800", "text.surrogate"),
    ],
)
async def test_register_names_must_be_visible_text(
    reporting: Reporting, name: str, rule: str
) -> None:
    before = await register(reporting)
    changed = json.loads(json.dumps(before))
    changed["committees"][0]["administrations"][0]["name"] = name

    response = await put_raw(reporting, "/reference/organisations", changed)

    assert the_error(response) == (["body", "committees", 0, "administrations", 0, "name"], rule)
    assert await register(reporting) == before


async def test_a_code_used_twice_names_the_committees(reporting: Reporting) -> None:
    before = await register(reporting)
    changed = json.loads(json.dumps(before))
    first = changed["committees"][0]
    first["administrations"].append(dict(first["administrations"][0]))

    response = await put_raw(reporting, "/reference/organisations", changed)

    assert the_error(response) == (["body", "committees"], "unique_codes")
    assert await register(reporting) == before


@pytest.mark.parametrize("count", [True, "50", 50.0, float("nan"), float("inf")])
async def test_a_target_is_a_whole_number(reporting: Reporting, count: Any) -> None:
    response = await put_raw(reporting, "/reference/targets/2030", {"placements": {"ks": count}})

    assert the_error(response) == (["body", "placements", "ks"], "int_type")
    async with reporting.client() as client:
        assert (await client.get("/reference/targets/2030")).status_code == 404


async def test_an_offset_beyond_a_bigint_is_a_422_not_a_500(reporting: Reporting) -> None:
    """Found by the fuzz: the database cannot compare with a number that large."""
    async with reporting.client() as client:
        response = await client.get(
            "/operations/unusable-events", params={"after_offset": str(2**63)}
        )
    assert the_error(response) == (["query", "after_offset"], "less_than_equal")
