"""CSV and XLSX exports suppress small cells, and the cells that would give them away; so does
the JSON report, with the same markers."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from contracts.events import PlacementStarted
from reporting.domain.suppression import SECONDARY
from reporting.presentation.tables import report_tables
from reporting.schemas import Report
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import Message
from tools.samples import placement_started

pytestmark = pytest.mark.integration

# Started in March 2026: Stadskontoret 7, ASF 6, Kulturförvaltningen 2.
STARTS = {"sk": 7, "asf": 6, "kf": 2}


def started(organisation: str) -> Message:
    event = placement_started(organisation, uuid.uuid4())
    payload = event.payload.model_copy(
        update={"start_date": date(2026, 3, 1), "planned_end_date": date(2026, 9, 30)}
    )
    event = PlacementStarted.model_validate({**event.model_dump(), "payload": payload})
    return Message(event.routing_key, event.model_dump_json().encode())


@pytest.fixture
async def city(suppressing: Reporting) -> Reporting:
    await suppressing.publish(started(org) for org, n in STARTS.items() for _ in range(n))
    suppressing.start()
    await suppressing.caught_up()
    return suppressing


async def download(service: Reporting, path: str, **params: Any) -> bytes:
    async with service.client() as client:
        response = await client.get(path, params={"kind": "year", "year": 2026, **params})
    assert response.status_code == 200, response.text
    return response.content


def csv_rows(content: bytes) -> dict[tuple[str, str, str], str]:
    assert content.startswith("\ufeff".encode())  # Excel reads the encoding from the BOM
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    assert next(reader) == ["tabell", "rad", "kolumn", "värde"]
    return {(table, row, column): value for table, row, column, value in reader}


async def test_csv_suppresses_small_cells_and_their_complements(city: Reporting) -> None:
    cells = csv_rows(await download(city, "/report.csv"))
    committees = "Platser och mål per nämnd"

    def started_by(row: str) -> str:
        return cells[(committees, row, "Startade")]

    assert started_by("Kommunstyrelsen") == "7"
    assert started_by("Kulturnämnden") == "<5"  # 2
    # 6 is not small, but with the total shown it would reveal Kulturnämnden's 2
    assert started_by("Arbetsmarknads- och socialnämnden") == SECONDARY
    assert started_by("Hela staden") == "15"
    assert started_by("Förskolenämnden") == "0"
    # full-time equivalents of a hidden count are hidden too
    assert cells[(committees, "Kulturnämnden", "Årsarbetare")] == SECONDARY
    # 7 placements × 75 % × 214 days (03-01..09-30) / 365 = 3.078
    assert cells[(committees, "Kommunstyrelsen", "Årsarbetare")] == "3,08"
    assert cells[(committees, "Kommunstyrelsen", "Mål")] == "40"  # targets are public
    by_administration = "Platser per förvaltning"
    assert cells[(by_administration, "Kulturnämnden / Kulturförvaltningen", "Startade")] == "<5"
    assert cells[("Om rapporten", "Period", "Värde")] == "År 2026"


async def test_threshold_can_be_raised_never_lowered(city: Reporting) -> None:
    raised = csv_rows(await download(city, "/report.csv", threshold=8))
    lowered = csv_rows(await download(city, "/report.csv", threshold=2))
    committees = "Platser och mål per nämnd"
    assert raised[(committees, "Kommunstyrelsen", "Startade")] == "<8"
    assert raised[(committees, "Arbetsmarknads- och socialnämnden", "Startade")] == "<8"
    assert lowered[(committees, "Kulturnämnden", "Startade")] == "<5"


async def test_xlsx_suppresses_every_small_count(city: Reporting) -> None:
    content = await download(city, "/report.xlsx")
    workbook = load_workbook(io.BytesIO(content))
    report = Report.model_validate(await city.report(kind="year", year=2026))
    tables = report_tables(report, 5, datetime.now(UTC))
    assert [t.name for t in tables] == workbook.sheetnames
    checked = 0
    for table in tables:
        sheet = workbook[table.name]
        header = [cell.value for cell in sheet[3]]
        assert header == [c.title for c in table.columns]
        for position, column in enumerate(table.columns, start=1):
            if column.kind != "count":
                continue
            for (cell,) in sheet.iter_rows(min_row=4, min_col=position, max_col=position):
                checked += 1
                assert not (isinstance(cell.value, int) and 0 < cell.value < 5), (
                    table.name,
                    column.title,
                    cell.coordinate,
                )
    assert checked > 100
    committees = workbook["Nämnd"]
    rows = {row[0].value: row for row in committees.iter_rows(min_row=4)}
    assert rows["Kulturnämnden"][1].value == "<5"
    assert rows["Arbetsmarknads- och socialnämnden"][1].value == SECONDARY
    assert rows["Kommunstyrelsen"][1].value == 7
    assert rows["Hela staden"][1].value == 15


async def test_json_report_withholds_as_the_exports_do(city: Reporting) -> None:
    committees = {
        g["code"]: g["started"] for g in (await city.report(kind="year", year=2026))["by_committee"]
    }
    assert (committees["ks"], committees["asn"], committees["kn"]) == (7, SECONDARY, "<5")
