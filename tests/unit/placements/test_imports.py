"""Importing a list through the registration's rules (on the fakes), and the spreadsheet
between the förvaltning's sheet and the registration."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from placements.presentation import workbook
from placements.service.imports import RowProblem, SheetRow, import_placements
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import CONTEXT, SF, participant, registration


def body(index: int, **changes: Any) -> dict[str, Any]:
    return registration(participant=participant(index)).model_dump(mode="json") | changes


async def test_valid_rows_are_registered_and_the_others_reported_with_field_and_rule() -> None:
    uow = FakeUnitOfWork()
    rows = [
        SheetRow(2, body(1)),
        SheetRow(3, body(2, employment_rate=0)),
        SheetRow(4, body(3, placement_type="okand")),
        SheetRow(5, body(4)),
    ]
    report = await import_placements(lambda: uow, CONTEXT, SF, rows)
    assert [(i.row, i.created) for i in report.imported] == [(2, True), (5, True)]
    assert [(p.row, p.field, p.rule) for p in report.problems] == [
        (3, "employment_rate", "greater_than_equal"),
        (4, "placement_type", "reference_data"),
    ]
    assert len(uow.db.placements) == 2


async def test_the_same_rows_again_register_nothing_and_answer_with_the_same_placements() -> None:
    uow = FakeUnitOfWork()
    rows = [SheetRow(2, body(1)), SheetRow(3, body(2))]
    first = await import_placements(lambda: uow, CONTEXT, SF, rows)
    moved = [SheetRow(7, body(2)), SheetRow(8, body(1))]  # other rows, same registrations
    again = await import_placements(lambda: uow, CONTEXT, SF, moved)
    assert again.created == 0
    assert {i.placement_id for i in again.imported} == {i.placement_id for i in first.imported}
    assert len(uow.db.placements) == 2


async def test_one_person_twice_in_a_list_is_reported_as_an_overlap() -> None:
    uow = FakeUnitOfWork()
    rows = [SheetRow(2, body(1)), SheetRow(3, body(1, role="Vaktmästare"))]
    report = await import_placements(lambda: uow, CONTEXT, SF, rows)
    assert report.created == 1
    assert [(p.row, p.rule) for p in report.problems] == [(3, "overlapping_placement")]


def test_the_template_has_every_column_and_drop_down_lists_of_the_reference_data() -> None:
    book = load_workbook(io.BytesIO(workbook.template(CONTEXT.reference)))
    sheet = book[workbook.SHEET]
    assert [c.value for c in sheet[1]] == [c.header for c in workbook.COLUMNS]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 3
    names = [c.value for c in book[workbook.REFERENCE_SHEET]["A"][1:]]
    assert names == [t.name.sv for t in CONTEXT.reference.placement_types]


def test_a_row_reads_as_the_registration_it_describes() -> None:
    headers: tuple[str, ...] = ("Personnummer", "Förnamn", "Anställningsform", "Arbetsuppgifter")
    headers += ("Sysselsättningsgrad (%)", "Startdatum", "Planerat mervärde för individen")
    headers += ("Efternamn", "Arbetsplats", "Handledare", "Roll", "Planerat slutdatum")
    cells: tuple[Any, ...] = (
        "19900101-0017",
        "Amina",
        "Extra job (extratjänst)",
        "Låna ut; Ställa upp ;",
    )
    cells += (75.0, datetime(2026, 1, 12), "Språkutveckling", "Hassan", "Bibliotek", "Karin")
    cells += ("Assistent", date(2026, 12, 31))
    sheet = workbook.Sheet(headers, ((2, cells),), "xlsx", b"")
    [row] = workbook.registrations(sheet, CONTEXT.reference)
    assert row.body["placement_type"] == "extratjanst"
    assert row.body["tasks"] == ["Låna ut", "Ställa upp"]
    assert row.body["employment_rate"] == 75
    assert row.body["start_date"] == "2026-01-12"
    assert row.body["planned_value_added"] == [
        {"beneficiary": "individual", "category": "sprakutveckling"}
    ]
    assert row.body["participant"]["given_name"] == "Amina"


def test_a_problem_names_the_sheets_column() -> None:
    row = SheetRow(
        2,
        {"planned_value_added": [{"beneficiary": "individual", "category": "x"}]},
    )
    about = RowProblem(2, "planned_value_added.0.category", "unknown", "no such category")
    assert workbook.column_of(about, row) == "Planerat mervärde för individen"
    personnummer = RowProblem(2, "participant.personnummer", "personnummer.check_digit", "")
    assert workbook.column_of(personnummer, row) == "Personnummer"


def test_a_csv_from_swedish_excel_is_read() -> None:
    text = "Personnummer;Förnamn;Efternamn;Arbetsplats;Handledare;Anställningsform;Roll;"
    text += "Sysselsättningsgrad (%);Startdatum;Planerat slutdatum\r\n"
    text += "19900101-0017;Åsa;Öberg;Bibliotek;Karin;extratjanst;Assistent;50;2026-01-12;"
    text += "2026-12-31\r\n;;;;;;;;;\r\n"
    sheet = workbook.read_sheet("lista.csv", text.encode("cp1252"))
    [row] = workbook.registrations(sheet, CONTEXT.reference)
    assert row.body["participant"]["given_name"] == "Åsa"
    assert row.body["employment_rate"] == 50


def test_a_sheet_without_the_required_columns_is_refused_by_name() -> None:
    with pytest.raises(workbook.UnreadableFile, match="Personnummer") as refused:
        workbook.read_sheet("lista.csv", b"Namn;Adress\r\nA;B\r\n")
    assert refused.value.rule == "columns_missing"
