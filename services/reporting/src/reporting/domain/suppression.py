"""Small-cell suppression for tables that leave the system (CSV and XLSX exports).

- Primary: a count from 1 to ``threshold − 1`` is shown as ``<threshold`` (e.g. ``<5``).
- Secondary (complementary): a suppressed cell must not be recoverable by subtraction. Where
  cells add up to a total that is shown (a column to its total row, or parts of a row to a
  total column), a line with exactly one suppressed cell gets a second one: the smallest other
  cell of that line, shown as ``..``. This repeats until no line has a lone suppressed cell, so
  the two dimensions of a table protect each other.
- Derived figures (shares, full-time equivalents, medians) are shown as ``..`` when a count
  they are computed from is suppressed.

Zero is shown: it says nothing about a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

Cell = int | float | str | None
SECONDARY = ".."

ColumnKind = Literal["label", "count", "derived", "fixed"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = "count"
    bases: tuple[str, ...] = ()  # derived: the count columns it is computed from
    additive: bool = True  # count: the rows add up to the total row


@dataclass(frozen=True)
class Table:
    name: str  # short, for a sheet name
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    has_total_row: bool = False  # the last row is the sum of the others
    row_sums: tuple[tuple[tuple[str, ...], str], ...] = ()  # (part columns, total column)

    def column_index(self, key: str) -> int:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)


def marker(threshold: int) -> str:
    return f"<{threshold}"


def suppress(table: Table, threshold: int) -> Table:
    """The table with small cells, the cells that would reveal them, and figures derived from
    either replaced by markers."""
    rows = [list(row) for row in table.rows]
    primary = {
        (r, c)
        for r, row in enumerate(rows)
        for c, column in enumerate(table.columns)
        if column.kind == "count" and _small(row[c], threshold)
    }
    hidden = set(primary)
    lines = _lines(table, len(rows))
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            lone = [cell for cell in parts if cell in hidden]
            if len(lone) != 1 or total in hidden:
                continue
            candidates = [cell for cell in parts if cell not in hidden]
            # with no other part to hide, the total itself equals the hidden cell
            hidden.add(min(candidates, key=lambda cell: _rank(rows, cell)) if candidates else total)
            changed = True
    for r, row in enumerate(rows):
        for c, column in enumerate(table.columns):
            if column.kind == "derived" and any(
                (r, table.column_index(base)) in hidden for base in column.bases
            ):
                row[c] = SECONDARY
    for r, c in hidden:
        rows[r][c] = marker(threshold) if (r, c) in primary else SECONDARY
    return replace(table, rows=tuple(tuple(row) for row in rows))


_Position = tuple[int, int]


def _small(value: Cell, threshold: int) -> bool:
    return isinstance(value, int) and 0 < value < threshold


def _lines(table: Table, row_count: int) -> list[tuple[list[_Position], _Position]]:
    """Groups of cells that add up to a total cell."""
    lines: list[tuple[list[_Position], _Position]] = []
    if table.has_total_row and row_count > 1:
        total_row = row_count - 1
        for c, column in enumerate(table.columns):
            if column.kind == "count" and column.additive:
                lines.append(([(r, c) for r in range(total_row)], (total_row, c)))
    for parts, total in table.row_sums:
        part_columns = [table.column_index(key) for key in parts]
        total_column = table.column_index(total)
        for r in range(row_count):
            lines.append(([(r, c) for c in part_columns], (r, total_column)))
    return lines


def _rank(rows: Sequence[Sequence[Cell]], cell: _Position) -> tuple[int, float]:
    """Prefer the smallest non-zero cell: hiding it loses least while adding uncertainty."""
    value = rows[cell[0]][cell[1]]
    number = float(value) if isinstance(value, int | float) else 0.0
    return (0 if number > 0 else 1, number)
