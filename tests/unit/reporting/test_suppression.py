"""Small cells are hidden, and so is every cell that would let them be computed back."""

from __future__ import annotations

import random

from reporting.domain.suppression import SECONDARY, Cell, Column, Table, suppress

COUNTS = (Column("label", "Grupp", "label"), Column("n", "Antal"))


def column_table(values: list[int], **options: object) -> Table:
    rows: list[tuple[Cell, ...]] = [(f"r{i}", v) for i, v in enumerate(values)]
    rows.append(("Totalt", sum(values)))
    return Table("t", "t", COUNTS, tuple(rows), has_total_row=True, **options)  # type: ignore[arg-type]


def shown(table: Table, column: int = 1) -> list[Cell]:
    return [row[column] for row in table.rows]


def test_a_lone_small_cell_takes_its_smallest_neighbour_with_it() -> None:
    assert shown(suppress(column_table([7, 2, 6]), 5)) == [7, "<5", SECONDARY, 15]


def test_two_small_cells_protect_each_other_and_zero_is_shown() -> None:
    assert shown(suppress(column_table([7, 2, 1, 0]), 5)) == [7, "<5", "<5", 0, 10]


def test_a_non_zero_neighbour_is_preferred() -> None:
    assert shown(suppress(column_table([3, 0, 10]), 5)) == ["<5", 0, SECONDARY, 13]


def test_a_small_total_hides_itself() -> None:
    assert shown(suppress(column_table([3, 0, 0]), 5)) == ["<5", 0, 0, "<5"]


def test_derived_figures_follow_their_counts() -> None:
    table = Table(
        "t",
        "t",
        (*COUNTS, Column("fte", "Årsarbetare", "derived", ("n",))),
        (("a", 2, 1.25), ("b", 9, 6.5), ("c", 8, 7.0), ("Totalt", 19, 14.75)),
        has_total_row=True,
    )
    result = suppress(table, 5)
    assert [row[2] for row in result.rows] == [SECONDARY, 6.5, SECONDARY, 14.75]
    assert shown(result) == ["<5", 9, SECONDARY, 19]


def test_a_hidden_cell_alone_in_its_line_hides_that_line_total() -> None:
    columns = (
        Column("label", "Grupp", "label"),
        Column("a", "A"),
        Column("b", "B"),
        Column("t", "Totalt"),
    )
    table = Table(
        "t",
        "t",
        columns,
        (("r", 2, 7, 9), ("Totalt", 2, 7, 9)),
        has_total_row=True,
        row_sums=((("a", "b"), "t"),),
    )
    rows = suppress(table, 5).rows
    # a=2 is small; b=7 then gives it away in its row; column b's total then gives b away
    assert rows == (("r", "<5", SECONDARY, 9), ("Totalt", "<5", SECONDARY, 9))


def _hidden(value: Cell) -> bool:
    return isinstance(value, str) and (value == SECONDARY or value.startswith("<"))


def test_no_hidden_cell_can_be_recovered_by_subtraction() -> None:
    """Random two-way tables: after suppression no line that adds up to a shown total has
    exactly one hidden cell, and no small count is shown."""
    rng = random.Random(5)
    for _ in range(500):
        n_rows, n_parts = rng.randint(1, 6), rng.randint(1, 4)
        body = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 20]) for _ in range(n_parts)]
            for _ in range(n_rows)
        ]
        body = [[*row, sum(row)] for row in body]
        totals = [sum(row[c] for row in body) for c in range(n_parts + 1)]
        columns = (
            Column("label", "Grupp", "label"),
            *(Column(f"p{c}", f"P{c}") for c in range(n_parts)),
            Column("t", "Totalt"),
        )
        table = Table(
            "t",
            "t",
            columns,
            tuple((f"r{i}", *row) for i, row in enumerate([*body, totals])),
            has_total_row=True,
            row_sums=((tuple(f"p{c}" for c in range(n_parts)), "t"),),
        )
        rows = [row[1:] for row in suppress(table, 5).rows]
        for row in rows:
            assert not any(isinstance(v, int) and 0 < v < 5 for v in row)
        lines = [(list(row[:-1]), row[-1]) for row in rows]  # across each row
        lines += [([row[c] for row in rows[:-1]], rows[-1][c]) for c in range(n_parts + 1)]
        for parts, total in lines:
            if not _hidden(total):
                assert sum(_hidden(v) for v in parts) != 1, (body, rows)
