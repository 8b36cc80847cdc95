"""CSV and XLSX exports of a report, with small cells suppressed.

CSV: one long table (tabell; rad; kolumn; värde), semicolon-separated with decimal comma and a
byte-order mark, which is what Excel with Swedish settings opens correctly. XLSX: one sheet per
table, numbers as numbers, suppressed cells as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

# openpyxl ships no type stubs (types-openpyxl is not among the dev dependencies)
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reporting.domain.suppression import Cell, Table
from reporting.presentation.tables import PERCENT, row_label

_INVALID_SHEET_CHARACTERS = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def to_csv(tables: Sequence[Table]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["tabell", "rad", "kolumn", "värde"])
    for table in tables:
        for row in table.rows:
            label = row_label(table, row)
            for column, value in zip(table.columns, row, strict=True):
                if column.kind != "label":
                    writer.writerow([table.title, label, column.title, _text(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    workbook = Workbook()
    for default_sheet in list(workbook.worksheets):  # a new workbook comes with one
        workbook.remove(default_sheet)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for table in tables:
        sheet = workbook.create_sheet(table.name.translate(_INVALID_SHEET_CHARACTERS)[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append([c.title for c in table.columns])
        for cell in sheet[3]:
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, row in enumerate(table.rows):
            sheet.append(list(row))
            if table.has_total_row and index == len(table.rows) - 1:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        for position, column in enumerate(table.columns, start=1):
            letter = get_column_letter(position)
            width = max(
                [len(column.title) // 2 + 2, *(len(_text(r[position - 1])) + 2 for r in table.rows)]
            )
            sheet.column_dimensions[letter].width = min(max(width, 10), 60)
            if column.title.endswith(PERCENT):
                for (cell,) in sheet.iter_rows(min_row=4, min_col=position, max_col=position):
                    cell.number_format = "0.0"
        sheet.freeze_panes = "A4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
