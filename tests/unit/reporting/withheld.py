"""What a published report must never show, checked table by table (shared by the unit and
the integration tests of suppression)."""

from __future__ import annotations

from reporting.domain.published import blocks
from reporting.domain.suppression import Cell, Table
from reporting.schemas import Report


def hidden(value: Cell) -> bool:
    return isinstance(value, str)


def assert_nothing_recoverable(report: Report) -> None:
    """No count from 1 to threshold − 1 is shown; no shown total has exactly one hidden part
    (it would be the total minus the shown ones); no figure derived from a hidden count shows
    (a missing one, null, shows nothing)."""
    threshold = report.suppression_threshold
    for block in blocks(report):
        table = block.table()
        for r, row in enumerate(table.rows):
            for c, column in enumerate(table.columns):
                value = row[c]
                if column.kind == "count":
                    assert not (isinstance(value, int) and 0 < value < threshold), (
                        table.name,
                        column.key,
                        r,
                    )
                if column.kind == "derived" and value is not None and not hidden(value):
                    for base in column.bases:
                        assert not hidden(row[table.column_index(base)]), (table.name, column.key)
        for parts, total in _lines(table):
            if not hidden(total):
                assert sum(hidden(p) for p in parts) != 1, (table.name, parts, total)


def _lines(table: Table) -> list[tuple[list[Cell], Cell]]:
    lines = []
    if table.has_total_row and len(table.rows) > 1:
        *parts, total = table.rows
        for c, column in enumerate(table.columns):
            if column.kind == "count" and column.additive:
                lines.append(([row[c] for row in parts], total[c]))
    for names, sum_column in table.row_sums:
        for row in table.rows:
            columns = [table.column_index(name) for name in names]
            lines.append(([row[c] for c in columns], row[table.column_index(sum_column)]))
    return lines
