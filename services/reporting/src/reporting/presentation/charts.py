"""Charts as inline SVG, drawn on the server: no script, nothing fetched from the network, and
they print. Every chart has a title and a description for screen readers, and each bar carries
its value in ``data-value`` (what the browser test checks). A withheld figure (small-cell
suppression) draws no bar and no point: its marker stands in the value text."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from reporting.domain.periods import MONTHS_SV
from reporting.schemas import Delivery, Outcomes, TrendMonth

# The axis shows three letters, without the dots and the longer forms ("mars", "juni") of the
# Swedish abbreviations in CLDR: short and even under narrow bars.
MONTH_ABBREVIATIONS = tuple(name[:3] for name in MONTHS_SV)
CATEGORY_CLASS = {"work": "work", "studies": "studies", "other": "other"}


def number(value: float | str, decimals: int = 0) -> str:
    """Swedish style: narrow spaces between thousands, decimal comma; a withheld figure as its
    marker."""
    if isinstance(value, str):
        return value
    if decimals == 0 and float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.{max(decimals, 1)}f}".replace(",", "\u202f").replace(".", ",")


def percent(value: float | str | None) -> str:
    if isinstance(value, str):
        return value
    return "–" if value is None else f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


def shown(values: Iterable[float | str | None]) -> list[float]:
    """The figures a chart may draw: the withheld left out."""
    return [v for v in values if isinstance(v, int | float)]


def nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10ⁿ at or above ``value``: round numbers on the axis."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def delivery_chart(rows: Sequence[Delivery], target: str = "nämndens mål för året") -> Markup:
    """Delivered placements per committee as bars, the target as a mark across each bar
    (``target`` says which: the year's, or the period's share of it)."""
    label_w, bar_w, value_w, row_h, top = 310, 510, 180, 30, 34
    width, height = label_w + bar_w + value_w, top + row_h * len(rows) + 10
    scale = nice_ceiling(
        max([1, *shown(r.delivered for r in rows), *shown(r.target for r in rows)])
    )
    parts = [
        '<g class="legend" font-size="12">'
        '<rect x="0" y="6" width="12" height="12" class="met"/>'
        '<text x="18" y="16">Levererat, mål nått</text>'
        '<rect x="150" y="6" width="12" height="12" class="unmet"/>'
        '<text x="168" y="16">Levererat, under mål</text>'
        '<line x1="318" y1="4" x2="318" y2="20" class="target"/>'
        '<text x="326" y="16">Mål</text></g>'
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        value = f"{number(row.delivered)}"
        if row.target is not None:
            value += f" av {number(row.target)} ({percent(row.attainment)})"
        parts.append(
            f'<g class="row" data-committee="{escape(row.committee)}">'
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="label">'
            f"{escape(row.name)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{bar_w}" height="20" class="track"/>'
        )
        if not isinstance(row.delivered, str):
            state = "met" if row.met or row.target is None else "unmet"
            parts.append(
                f'<rect x="{label_w}" y="{y + 5}" width="{bar_w * row.delivered / scale:.1f}" '
                f'height="20" class="bar {state}" data-value="{row.delivered}"/>'
            )
        if row.target is not None:
            x = label_w + bar_w * row.target / scale
            parts.append(
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + 29}" class="target" '
                f'data-value="{row.target}"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 19}" class="value">{escape(value)}</text></g>'
        )
    return _svg(
        "chart-delivery",
        "Levererade platser mot mål per nämnd",
        f"Stapeln visar platser aktiva under perioden, strecket {target}.",
        width,
        height,
        "".join(parts),
    )


@dataclass(frozen=True)
class _Plot:
    """The trend chart's frame: margins, size and the value at the top of the axis."""

    scale: float
    left: int = 44
    right: int = 12
    top: int = 30
    bottom: int = 30
    width: int = 560
    height: int = 280

    @property
    def inner_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom

    def y_of(self, value: float) -> float:
        return self.top + self.inner_height - self.inner_height * value / self.scale

    def across(self, y: float, css: str, extra: str = "") -> str:
        """A horizontal line over the whole plot."""
        return (
            f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.width - self.right}" y2="{y:.1f}" '
            f'class="{css}"{extra}/>'
        )


def trend_chart(
    months: Sequence[TrendMonth], target: int | None, target_name: str = "Mål för året"
) -> Markup:
    """Active placements per month as bars; placements delivered so far as a line; the year's
    target as a dashed line."""
    peak = max(
        [
            1,
            *shown(m.active for m in months),
            *shown(m.delivered_to_date for m in months),
            target or 0,
        ]
    )
    plot = _Plot(scale=nice_ceiling(peak))
    parts = [_trend_legend(plot.left, target, target_name), *_grid(plot)]
    points = []
    slot = plot.inner_width / max(1, len(months))
    every = max(1, math.ceil(len(months) / 24))
    for i, month in enumerate(months):
        x = plot.left + slot * i
        parts.append(_month_bar(plot, month, x, slot))
        if not isinstance(month.delivered_to_date, str):
            points.append(f"{x + slot / 2:.1f},{plot.y_of(month.delivered_to_date):.1f}")
        if i % every == 0:
            parts.append(_month_label(plot, month, x + slot / 2, long=len(months) > 12))
    if target:
        parts.append(plot.across(plot.y_of(target), "target-line", f' data-value="{target}"'))
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" class="line delivered"/>')
    axis = plot.top + plot.inner_height
    parts.append(
        f'<line x1="{plot.left}" y1="{axis}" x2="{plot.width - plot.right}" y2="{axis}" '
        'class="axis"/>'
    )
    return _svg(
        "chart-trend",
        "Utveckling per månad",
        "Staplar: platser aktiva under månaden. Linje: platser levererade från periodens början.",
        plot.width,
        plot.height,
        "".join(parts),
    )


def _trend_legend(left: int, target: int | None, target_name: str) -> str:
    return (
        '<g class="legend" font-size="12">'
        f'<rect x="{left}" y="4" width="12" height="12" class="active"/>'
        f'<text x="{left + 18}" y="14">Aktiva under månaden</text>'
        f'<line x1="{left + 160}" y1="10" x2="{left + 184}" y2="10" class="line delivered"/>'
        f'<text x="{left + 190}" y="14">Levererade hittills</text>'
        + (
            f'<line x1="{left + 320}" y1="10" x2="{left + 344}" y2="10" class="target-line"/>'
            f'<text x="{left + 350}" y="14">{escape(target_name)}</text>'
            if target
            else ""
        )
        + "</g>"
    )


def _grid(plot: _Plot) -> list[str]:
    """Five grid lines from zero to the top of the axis, with their values."""
    lines = []
    for step in range(5):
        value = plot.scale * step / 4
        y = plot.y_of(value)
        lines.append(
            plot.across(y, "grid")
            + f'<text x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{number(value)}</text>"
        )
    return lines


def _month_bar(plot: _Plot, month: TrendMonth, x: float, slot: float) -> str:
    if isinstance(month.active, str):
        return ""
    bar_h = plot.inner_height * month.active / plot.scale
    return (
        f'<rect x="{x + slot * 0.18:.1f}" y="{plot.y_of(month.active):.1f}" '
        f'width="{slot * 0.64:.1f}" height="{bar_h:.1f}" class="bar active" '
        f'data-value="{month.active}"><title>{escape(month.label)}: '
        f"{number(month.active)} aktiva</title></rect>"
    )


def _month_label(plot: _Plot, month: TrendMonth, x: float, *, long: bool) -> str:
    """The month under its bar; with the year when the period spans more than twelve."""
    abbreviation = MONTH_ABBREVIATIONS[int(month.month[5:7]) - 1]
    label = f"{abbreviation} {month.month[2:4]}" if long else abbreviation
    return (
        f'<text x="{x:.1f}" y="{plot.height - plot.bottom + 18}" text-anchor="middle" '
        f'class="tick">{label}</text>'
    )


def outcome_chart(outcomes: Outcomes) -> Markup:
    """Ended placements per outcome code, coloured by category (work, studies, other); the
    label sits above its bar, so long Swedish names need no truncation."""
    bar_w, value_w, row_h = 420, 130, 42
    rows = outcomes.by_code
    width, height = bar_w + value_w, row_h * len(rows) + 4
    scale = nice_ceiling(max([1, *shown(o.count for o in rows)]))
    parts = []
    for i, row in enumerate(rows):
        y = i * row_h
        bar = (
            f'<rect x="0" y="{y + 20}" width="{bar_w * row.count / scale:.1f}" height="16" '
            f'class="bar {CATEGORY_CLASS.get(row.category, "other")}" data-value="{row.count}"/>'
            if not isinstance(row.count, str)
            else ""
        )
        parts.append(
            f'<text x="0" y="{y + 14}" class="label">{escape(row.code)} – {escape(row.name)}</text>'
            f'<rect x="0" y="{y + 20}" width="{bar_w}" height="16" class="track"/>{bar}'
            f'<text x="{bar_w + 8}" y="{y + 33}" class="value">'
            f"{escape(number(row.count))} ({escape(percent(row.share))})</text>"
        )
    return _svg(
        "chart-outcomes",
        "Avslutade platser per avslutsorsak",
        "Grönt: arbete, blågrönt: studier, grått: övriga avslutsorsaker.",
        width,
        height,
        "".join(parts),
    )
