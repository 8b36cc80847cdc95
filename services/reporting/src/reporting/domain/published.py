"""The report as it may leave the system: the JSON and the dashboard withhold small cells as the
exports do, with the same ``suppress`` over tables of the same shape.

Each block below is one table of the report: its rows (each row the objects of the report
that carry its figures, the total row last), which columns are counts and which are derived
from them, and which parts add up to which total. The exact report's figures fill the tables;
``suppress`` decides what is hidden; the markers are written into the report, into every
object of the row that carries the figure (the same count can sit in two objects: a
committee's ``active`` and its delivery's ``delivered``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from reporting.domain.suppression import SECONDARY, Cell, Column, Table, suppress
from reporting.schemas import Report


@dataclass(frozen=True)
class Source:
    """An object of the report in a row; ``names`` maps a column to its field when they differ
    (or picks a few fields of a bigger object); without it, every field of the object by name."""

    model: BaseModel
    names: Mapping[str, str] = field(default_factory=dict)

    def attribute(self, column: str) -> str | None:
        if self.names:
            return self.names.get(column)
        return column if column in type(self.model).model_fields else None


Row = Sequence[Source]


@dataclass(frozen=True)
class Block:
    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Row]
    has_total_row: bool = False
    row_sums: tuple[tuple[tuple[str, ...], str], ...] = ()

    def table(self) -> Table:
        return Table(
            self.name,
            self.name,
            self.columns,
            tuple(tuple(_value(row, c.key) for c in self.columns) for row in self.rows),
            self.has_total_row,
            self.row_sums,
        )


def suppress_report(report: Report, threshold: int) -> Report:
    """The report with every small count, every count that would reveal one, and every figure
    derived from either replaced by its marker; in place, as a report is built for the one
    response (a deep copy cost as much as the suppression itself)."""
    targets = blocks(report)
    exact = [block.table() for block in targets]  # every figure read before any is replaced
    for block, before in zip(targets, exact, strict=True):
        after = suppress(before, threshold)
        for r, row in enumerate(block.rows):
            for c, column in enumerate(block.columns):
                if isinstance(after.rows[r][c], str) and not isinstance(before.rows[r][c], str):
                    _withhold(row, column.key, after.rows[r][c])
    report.suppression_threshold = threshold
    return report


def _value(row: Row, column: str) -> Cell:
    for source in row:
        attribute = source.attribute(column)
        if attribute is not None:
            value: Cell = getattr(source.model, attribute)
            return value
    return None


def _withhold(row: Row, column: str, marker: Cell) -> None:
    """The marker in every object of the row carrying the figure; a primary marker ("<5")
    where another table already put a secondary one."""
    for source in row:
        attribute = source.attribute(column)
        current = getattr(source.model, attribute) if attribute is not None else None
        if attribute is not None and (not isinstance(current, str) or current == SECONDARY):
            setattr(source.model, attribute, marker)


# --- the report's tables ------------------------------------------------------------------


def _count(key: str, *, additive: bool = True) -> Column:
    return Column(key, key, "count", additive=additive)


def _derived(key: str, *bases: str) -> Column:
    return Column(key, key, "derived", bases)


FIGURES = (_count("started"), _count("active"), _count("ended"), _derived("fte", "active"))


def blocks(report: Report) -> list[Block]:
    """Every table of figures in the report: the same groupings as the exports' tables, and
    the figures the JSON has beyond them (a workplace's, a module's shares)."""
    totals = Source(report.totals)
    groups = [
        Block(name, FIGURES, [*([Source(g)] for g in rows), [totals]], has_total_row=True)
        for name, rows in (
            ("administrations", report.by_administration),
            ("types", report.by_type),
            ("genders", report.by_gender),
            ("age bands", report.by_age_band),
            ("workplaces", report.by_workplace),
        )
        if rows
    ]
    return [
        _committees(report),
        *groups,
        _outcome_codes(report),
        *_outcome_splits(report),
        _durations(report),
        _certificates(report),
        _value_added(report),
        _progression(report),
        _trend(report),
    ]


def _committees(report: Report) -> Block:
    """Delivered is the committee's active count, withheld with it: the same marker in both."""
    delivery = report.delivery
    derived = ("difference", "attainment", "met")
    own = {"active": "delivered", **{key: key for key in derived}}
    return Block(
        "committees",
        (*FIGURES, *(_derived(key, "active") for key in derived)),
        [
            *(
                [Source(g), Source(d, own)]
                for g, d in zip(report.by_committee, delivery.committees, strict=True)
            ),
            [
                Source(report.totals),
                Source(delivery, {"active": "delivered", "attainment": "attainment"}),
            ],
        ],
        has_total_row=True,
    )


def _outcome_codes(report: Report) -> Block:
    """By outcome code; work and studies are codes A and B's counts (one code each)."""
    outcomes = report.outcomes
    named = {"A": ("work", "work_share"), "B": ("studies", "studies_share")}
    rows: list[Row] = []
    for row in outcomes.by_code:
        sources = [Source(row)]
        if row.code in named:
            count, share = named[row.code]
            sources.append(Source(outcomes, {"count": count, "share": share}))
        rows.append(sources)
    rows.append([Source(outcomes, {"count": "ended"})])
    return Block(
        "outcome codes",
        (_count("count"), _derived("share", "count")),
        rows,
        has_total_row=True,
    )


def _outcome_splits(report: Report) -> list[Block]:
    outcomes = report.outcomes
    total = Source(
        outcomes,
        {"ended": "ended", "work_or_studies": "work_or_studies", "share": "work_or_studies_share"},
    )
    columns = (
        _count("ended"),
        _count("work_or_studies"),
        _derived("share", "ended", "work_or_studies"),
    )
    return [
        Block(f"outcomes {name}", columns, [*([Source(r)] for r in rows), [total]], True)
        for name, rows in (
            ("by committee", outcomes.by_committee),
            ("by gender", outcomes.by_gender),
            ("by age band", outcomes.by_age_band),
        )
    ]


def _durations(report: Report) -> Block:
    return Block(
        "time in placement",
        (_count("count"), _derived("share", "count")),
        [
            *([Source(d)] for d in report.time_in_placement),
            [Source(report.certificates, {"count": "ended"})],
        ],
        has_total_row=True,
    )


def _certificates(report: Report) -> Block:
    return Block(
        "certificates",
        (
            _count("ended"),
            _count("certified"),
            _derived("coverage", "ended", "certified"),
            _derived("median_days", "certified"),
            _derived("p90_days", "certified"),
        ),
        [[Source(report.certificates)]],
    )


def _value_added(report: Report) -> Block:
    return Block(
        "value added",
        (_count("planned"), _count("realised")),
        [[Source(v)] for v in report.value_added],
    )


def _progression(report: Report) -> Block:
    shares = (_derived(f"{k}_share", k, "compared") for k in ("improved", "same", "declined"))
    return Block(
        "progression",
        (*(_count(k) for k in ("compared", "improved", "same", "declined", "single")), *shares),
        [[Source(p)] for p in report.progression],
        row_sums=((("improved", "same", "declined"), "compared"),),
    )


def _trend(report: Report) -> Block:
    return Block(
        "trend",
        (
            _count("started"),
            _count("active", additive=False),
            _count("ended"),
            _count("delivered_to_date", additive=False),
        ),
        [
            *([Source(m)] for m in report.trend),
            [
                Source(
                    report.totals,
                    {"started": "started", "active": "active", "ended": "ended"},
                )
            ],
        ],
        has_total_row=True,
    )
