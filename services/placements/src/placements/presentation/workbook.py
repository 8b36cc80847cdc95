"""The import's spreadsheet: the template with the reference data as drop-down lists, the rows
of an uploaded Excel or CSV file as registrations, and the uploaded sheet with its errors marked.

The sheet speaks the förvaltning's language (Swedish headers, names from the reference data);
the registration speaks the API's (codes, ISO dates). Everything between the two is here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from contracts.reference import PlacementType, ReferenceData, ValueAddedCategory
from placements.service.imports import RowProblem, SheetRow

MAX_ROWS = 5000
"""A city's year is about 1,500 placements; a larger file is a mistake or an attack."""
TEMPLATE_ROWS = 500
"""Rows of the template that carry the drop-down lists and formats."""
TASK_SEPARATOR = ";"
SHEET = "Placeringar"
REFERENCE_SHEET = "Referensdata"
ERRORS_HEADER = "Fel"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")

Choices = Literal["placement_type", "workplace", "individual"]


@dataclass(frozen=True)
class Column:
    header: str
    path: str
    hint: str
    required: bool = True
    choices: Choices | None = None
    kind: Literal["text", "date", "percent", "list"] = "text"


COLUMNS: tuple[Column, ...] = (
    Column("Personnummer", "participant.personnummer", "ÅÅÅÅMMDD-NNNN"),
    Column("Förnamn", "participant.given_name", "Deltagarens förnamn"),
    Column("Efternamn", "participant.family_name", "Deltagarens efternamn"),
    Column("Arbetsplats", "workplace.name", "Arbetsplatsens namn"),
    Column("Enhet", "workplace.unit", "Enhet på arbetsplatsen", required=False),
    Column("Handledare", "supervisor.name", "Handledarens namn"),
    Column("Handledarens e-post", "supervisor.email", "namn@exempel.se", required=False),
    Column("Handledarens telefon", "supervisor.phone", "Telefonnummer", required=False),
    Column("Anställningsform", "placement_type", "Välj i listan", choices="placement_type"),
    Column("Roll", "role", "Rollen på arbetsplatsen"),
    Column("Arbetsuppgifter", "tasks", "Skilj uppgifterna åt med ;", False, kind="list"),
    Column("Sysselsättningsgrad (%)", "employment_rate", "1–100", kind="percent"),
    Column("Startdatum", "start_date", "ÅÅÅÅ-MM-DD", kind="date"),
    Column("Planerat slutdatum", "planned_end_date", "ÅÅÅÅ-MM-DD", kind="date"),
    Column(
        "Planerat mervärde för arbetsplatsen",
        "planned_value_added.workplace",
        "Välj i listan",
        required=False,
        choices="workplace",
    ),
    Column(
        "Planerat mervärde för individen",
        "planned_value_added.individual",
        "Välj i listan",
        required=False,
        choices="individual",
    ),
)
BY_HEADER = {c.header.casefold(): c for c in COLUMNS}


class UnreadableFile(ValueError):
    """The upload is no list of placements: ``rule`` names why, the message says it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Sheet:
    """An uploaded list: its header row and data rows as cell values, by row number."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    format: Literal["xlsx", "csv"]
    content: bytes


# --- the template ---------------------------------------------------------------------------


def template(reference: ReferenceData) -> bytes:
    """An empty list with a header row, hints, and the reference data as drop-down lists."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = SHEET
    ranges = _reference_sheet(book.create_sheet(REFERENCE_SHEET), reference)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.comment = Comment(column.hint + ("" if column.required else " (frivillig)"), "Mall")
        sheet.column_dimensions[get_column_letter(index)].width = max(16, len(column.header) + 4)
        _validate_column(sheet, index, column, ranges)
    sheet.freeze_panes = "A2"
    return _saved(book)


def _reference_sheet(sheet: Worksheet, reference: ReferenceData) -> dict[Choices, str]:
    """The choices one column each; returns the range of each list."""
    lists: dict[Choices, list[str]] = {
        "placement_type": [t.name.sv for t in reference.placement_types],
        "workplace": [v.name.sv for v in reference.value_added_categories_for("workplace")],
        "individual": [v.name.sv for v in reference.value_added_categories_for("individual")],
    }
    headers = {
        "placement_type": "Anställningsform",
        "workplace": "Mervärde för arbetsplatsen",
        "individual": "Mervärde för individen",
    }
    ranges: dict[Choices, str] = {}
    for index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=headers[name]).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=index, value=value)
        sheet.column_dimensions[letter].width = 45
        ranges[name] = f"{REFERENCE_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _validate_column(
    sheet: Worksheet, index: int, column: Column, ranges: Mapping[Choices, str]
) -> None:
    letter = get_column_letter(index)
    cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
    rule: DataValidation | None = None
    if column.choices is not None:
        rule = DataValidation(type="list", formula1=ranges[column.choices], allow_blank=True)
    elif column.kind == "date":
        rule = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    elif column.kind == "percent":
        rule = DataValidation(type="whole", operator="between", formula1="1", formula2="100")
    if rule is not None:
        rule.error, rule.errorTitle = column.hint, column.header
        rule.prompt, rule.promptTitle = column.hint, column.header
        sheet.add_data_validation(rule)
        rule.add(cells)


# --- reading an upload ----------------------------------------------------------------------


def read_sheet(filename: str, content: bytes) -> Sheet:
    """The list in an .xlsx or .csv file (by its name, then by its first bytes)."""
    if content.startswith(b"PK") or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    if filename.lower().endswith((".csv", ".txt")) or not filename:
        return _read_csv(content)
    raise UnreadableFile("file_type", "the file is neither Excel (.xlsx) nor CSV (.csv)")


def _read_xlsx(content: bytes) -> Sheet:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile("file_unreadable", "the Excel file cannot be read") from error
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    values = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)
    return _sheet(enumerate(values, start=1), "xlsx", content)


def _read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" in Swedish Windows
    if "\x00" in text:
        raise UnreadableFile("file_unreadable", "the CSV file holds binary data")
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    return _sheet(((n, tuple(r)) for n, r in enumerate(rows, start=1)), "csv", content)


def _sheet(
    numbered: Iterable[tuple[int, Sequence[Any]]], format: Literal["xlsx", "csv"], content: bytes
) -> Sheet:
    iterator = iter(numbered)
    header = next(iterator, (1, ()))[1]
    headers = tuple(_text(v) or "" for v in header)
    missing = [
        c.header for c in COLUMNS if c.required and c.header.casefold() not in _folded(headers)
    ]
    if missing:
        raise UnreadableFile("columns_missing", f"columns missing: {', '.join(missing)}")
    rows = tuple((n, tuple(r)) for n, r in iterator if any(_text(v) for v in r))
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("too_many_rows", f"at most {MAX_ROWS} rows at a time")
    return Sheet(headers, rows, format, content)


def _folded(headers: Iterable[str]) -> set[str]:
    return {h.strip().casefold() for h in headers}


def registrations(sheet: Sheet, reference: ReferenceData) -> list[SheetRow]:
    """Each data row as the body of a registration; what is blank is left out."""
    columns = [BY_HEADER.get(h.strip().casefold()) for h in sheet.headers]
    codes = _codes(reference)
    return [
        SheetRow(number, _body(zip(columns, cells, strict=False), codes))
        for number, cells in sheet.rows
    ]


def _body(cells: Iterable[tuple[Column | None, Any]], codes: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for column, value in cells:
        text = _text(value)
        if column is None or text is None:
            continue
        if column.path.startswith("planned_value_added."):
            beneficiary = column.path.rsplit(".", 1)[1]
            category = codes.get(text.casefold(), text)
            body.setdefault("planned_value_added", []).append(
                {"beneficiary": beneficiary, "category": category}
            )
        elif column.kind == "percent" and text.isdecimal():
            body[column.path] = int(text)  # a cell's number, or a CSV's text of one
        elif column.kind == "list":
            body[column.path] = [t.strip() for t in text.split(TASK_SEPARATOR) if t.strip()]
        else:
            _put(body, column.path, codes.get(text.casefold(), text) if column.choices else text)
    return body


def _put(body: dict[str, Any], path: str, value: str) -> None:
    *parents, name = path.split(".")
    for parent in parents:
        body = body.setdefault(parent, {})
    body[name] = value


def _codes(reference: ReferenceData) -> dict[str, str]:
    """A choice as the sheet may name it (code, Swedish or English name) to its code."""
    named: list[PlacementType | ValueAddedCategory] = [
        *reference.placement_types,
        *reference.value_added_categories,
    ]
    return {
        spelling.casefold(): item.code
        for item in named
        for spelling in (item.code, item.name.sv, item.name.en)
    }


def _text(value: Any) -> str | None:
    """A cell as the text the registration reads; None when blank."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


# --- the report -----------------------------------------------------------------------------


def column_of(problem: RowProblem, row: SheetRow | None) -> str:
    """The sheet's column a problem is about (the registration's path when none is)."""
    path = problem.field.removeprefix("body.")
    parts = path.split(".")
    if parts[0] == "planned_value_added" and len(parts) > 1 and row is not None:
        entries = row.body.get("planned_value_added", [])
        index = int(parts[1]) if parts[1].isdigit() else -1
        if 0 <= index < len(entries):
            path = f"planned_value_added.{entries[index]['beneficiary']}"
    for column in COLUMNS:
        if path == column.path or path.startswith(column.path + "."):
            return column.header
    return path


def marked(sheet: Sheet, problems: Sequence[tuple[str, RowProblem]]) -> bytes:
    """The uploaded list with each refused cell filled and commented, and a column of the
    row's errors; ``problems`` are each with its column's header."""
    book, target = _editable(sheet)
    positions = {h.strip().casefold(): i for i, h in enumerate(sheet.headers, start=1)}
    errors_column = len(sheet.headers) + 1
    target.cell(row=1, column=errors_column, value=ERRORS_HEADER).font = Font(bold=True)
    for header, problem in problems:
        index = positions.get(header.casefold(), errors_column)
        cell = target.cell(row=problem.row, column=index)
        cell.fill = ERROR_FILL
        cell.comment = Comment(f"{problem.rule}: {problem.message}", "Import")
        summary = target.cell(row=problem.row, column=errors_column)
        earlier = _text(summary.value)
        summary.value = "; ".join(filter(None, [earlier, f"{header}: {problem.message}"]))
    target.column_dimensions[get_column_letter(errors_column)].width = 60
    return _saved(book)


def _editable(sheet: Sheet) -> tuple[Workbook, Worksheet]:
    if sheet.format == "xlsx":
        book = load_workbook(io.BytesIO(sheet.content))
        found = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        assert isinstance(found, Worksheet)
        return book, found
    book = Workbook()
    target = book.active
    assert isinstance(target, Worksheet)
    target.title = SHEET
    target.append(list(sheet.headers))
    for number, cells in sheet.rows:
        for index, value in enumerate(cells, start=1):
            target.cell(row=number, column=index, value=value)
    return book, target


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
