"""Importing a förvaltning's list (POST /imports) on the real database: the template, the
row-by-row report as JSON and as the marked sheet, the valid rows registered once."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.integration.placements.conftest import Placements
from tools.samples import personnummer

pytestmark = pytest.mark.integration
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row(index: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "Personnummer": personnummer("19900101", f"{index:03d}"),
        "Förnamn": "Deltagare",
        "Efternamn": f"Nummer {index}",
        "Arbetsplats": "Stadsbiblioteket",
        "Handledare": "Karin Nilsson",
        "Anställningsform": "Extratjänst",
        "Roll": "Biblioteksassistent",
        "Arbetsuppgifter": "Låna ut böcker; Hjälpa besökare",
        "Sysselsättningsgrad (%)": 75,
        "Startdatum": date(2026, 1, 12),
        "Planerat slutdatum": date(2026, 12, 31),
        "Planerat mervärde för individen": "Språkutveckling",
    }
    values.update(changes)
    return values


async def filled_template(placements: Placements, rows: list[dict[str, Any]]) -> bytes:
    async with placements.client() as api:
        answer = await api.get("/imports/template.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["Placeringar"]
    headers = [cell.value for cell in sheet[1]]
    for number, values in enumerate(rows, start=2):
        for name, value in values.items():
            sheet.cell(row=number, column=headers.index(name) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(placements: Placements, content: bytes, **params: str) -> Any:
    async with placements.client() as api:
        return await api.post(
            "/imports", files={"file": ("lista.xlsx", content, XLSX)}, params=params
        )


LIST = [
    row(1),
    row(2, Personnummer="19900101-0020"),  # check digit
    row(3),
    row(4, **{"Planerat slutdatum": date(2025, 12, 31)}),  # ends before it starts
    row(5),
]


async def test_the_template_offers_the_reference_data_as_drop_down_lists(
    placements: Placements,
) -> None:
    async with placements.client() as api:
        answer = await api.get("/imports/template.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content))["Placeringar"]
    assert isinstance(sheet, Worksheet)
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert {v.formula1.split("!")[1][:2] for v in lists} == {"$A", "$B", "$C"}
    reference = load_workbook(io.BytesIO(answer.content))["Referensdata"]
    assert "Extratjänst" in [c.value for c in reference["A"]]


async def test_valid_rows_are_registered_and_bad_ones_reported_by_row_field_and_rule(
    placements: Placements,
) -> None:
    answer = await upload(placements, await filled_template(placements, LIST))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows"], report["created"], report["already_imported"]) == (5, 3, 0)
    problems = {(p["row"], p["field"], p["rule"]) for p in report["problems"]}
    assert problems == {
        (3, "Personnummer", "personnummer.check_digit"),
        (5, "Planerat slutdatum", "dates_in_order"),
    }
    async with placements.client() as api:
        listed = (await api.get("/placements")).json()["items"]
    assert len(listed) == 3
    assert listed[0]["value_added"][0]["category"] == "sprakutveckling"
    assert listed[0]["placement_type"] == "extratjanst"


async def test_importing_the_same_file_again_creates_nothing_twice(placements: Placements) -> None:
    content = await filled_template(placements, LIST)
    first = (await upload(placements, content)).json()
    again = (await upload(placements, content)).json()
    assert (again["created"], again["already_imported"]) == (0, 3)
    assert {i["placement_id"] for i in again["imported"]} == {
        i["placement_id"] for i in first["imported"]
    }
    async with placements.client() as api:
        assert len((await api.get("/placements")).json()["items"]) == 3


async def test_the_report_as_the_uploaded_sheet_marks_the_refused_cells(
    placements: Placements,
) -> None:
    answer = await upload(placements, await filled_template(placements, LIST), report="xlsx")
    assert answer.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(answer.content))["Placeringar"]
    headers = [cell.value for cell in sheet[1]]
    refused = sheet.cell(row=3, column=headers.index("Personnummer") + 1)
    assert refused.fill.fgColor.rgb.endswith("FFC7CE")
    assert refused.comment is not None
    assert "personnummer" in str(sheet.cell(row=3, column=headers.index("Fel") + 1).value)
    assert sheet.cell(row=2, column=headers.index("Fel") + 1).value is None


async def test_a_csv_list_with_semicolons_is_read_like_excel_writes_it(
    placements: Placements,
) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(row(7))
    writer.writerow(row(7).values())
    content = text.getvalue().encode("cp1252")  # as Swedish Windows Excel saves "CSV"
    async with placements.client() as api:
        answer = await api.post("/imports", files={"file": ("lista.csv", content, "text/csv")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1, answer.json()["problems"]


async def test_a_file_that_is_no_list_is_refused_naming_the_file(placements: Placements) -> None:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["Namn", "Adress"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = await upload(placements, buffer.getvalue())
    assert answer.status_code == 422
    [detail] = answer.json()["detail"]
    assert detail["loc"] == ["body", "file"]
    assert detail["type"] == "columns_missing"
    async with placements.client() as api:
        assert (await api.get("/placements")).json()["items"] == []


async def test_an_import_needs_a_forvaltnings_token(placements: Placements) -> None:
    async with placements.client(None) as anonymous:
        answer = await anonymous.post("/imports", files={"file": ("a.csv", b"x", "text/csv")})
    assert answer.status_code == 401


async def test_an_upload_the_parser_cannot_read_is_a_422_naming_the_body(
    placements: Placements,
) -> None:
    async with placements.client() as api:
        answer = await api.post(
            "/imports",
            content=b"--b\r\n-57--b--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    assert answer.status_code == 422
    [detail] = answer.json()["detail"]
    assert (detail["loc"], detail["type"]) == (["body"], "form_invalid")
