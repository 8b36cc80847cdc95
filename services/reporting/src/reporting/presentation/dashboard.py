"""The HTML dashboard: one page per period, charts drawn on the server. Figures come withheld
(small-cell suppression) as they are in the JSON: a marker is shown as an abbreviation whose
title explains it, and a note above the figures explains both markers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from reporting.domain.periods import MONTHS_SV, PeriodKind
from reporting.domain.suppression import SECONDARY
from reporting.presentation import charts
from reporting.schemas import Report

PERIOD_KINDS = (
    (PeriodKind.YEAR.value, "År"),
    (PeriodKind.INTERIM.value, "Delår (jan–aug)"),
    (PeriodKind.TERTIAL.value, "Tertial"),
    (PeriodKind.MONTH.value, "Månad"),
    (PeriodKind.CUSTOM.value, "Egen period"),
)

_environment = Environment(
    loader=PackageLoader("reporting", "presentation/templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def withheld_titles(threshold: int) -> dict[str, str]:
    """What each marker means, in the words of the exports' note."""
    return {
        "small": f"1–{threshold - 1} platser, dolt",
        "secondary": "dolt för att ett dolt tal inte ska kunna räknas fram ur summor, "
        "eller beräknat ur ett dolt tal",
    }


def _marker(value: str, titles: Mapping[str, str]) -> Markup:
    title = titles["secondary"] if value == SECONDARY else titles["small"]
    return Markup('<abbr class="withheld" title="{}">{}</abbr>').format(title, value)


@dataclass(frozen=True)
class FormState:
    """What the period form shows selected."""

    kind: str
    year: int
    tertial: int
    month: int
    start: date
    end: date


@dataclass(frozen=True)
class Reader:
    """Who is reading: the header names them, and offers to sign out of a browser session."""

    name: str
    can_sign_out: bool


@dataclass(frozen=True)
class DrillDown:
    """Links to the same dashboard for the same period at another unit: plain links, so the
    drill-down works without JavaScript."""

    path: str
    period: list[tuple[str, str]]  # the query's period parameters

    def link(self, level: str, code: str | None = None, workplace: str | None = None) -> str:
        unit = [("level", level)] if level != "city" else []
        unit += [("unit", code)] if code else []
        unit += [("workplace", workplace)] if workplace else []
        query = urlencode(self.period + unit)
        return f"{self.path}?{query}" if query else self.path


def render(
    report: Report,
    form: FormState,
    links: Mapping[str, str],
    generated_at: str,
    reader: Reader,
    drill: DrillDown | None = None,
) -> str:
    template = _environment.get_template("dashboard.html.j2")
    pro_rata = report.delivery.target_basis == "pro_rata"  # the charts say which target
    titles = withheld_titles(report.suppression_threshold)

    def number(value: float | str, decimals: int = 0) -> Markup:
        if isinstance(value, str):
            return _marker(value, titles)
        return escape(charts.number(value, decimals))

    def percent(value: float | str | None) -> Markup:
        if isinstance(value, str):
            return _marker(value, titles)
        return escape(charts.percent(value))

    return template.render(
        report=report,
        form=form,
        drill=drill or DrillDown("/dashboard", []),
        links=links,
        generated_at=generated_at,
        reader=reader,
        period_kinds=PERIOD_KINDS,
        month_names=[m.capitalize() for m in MONTHS_SV],
        number=number,
        percent=percent,
        withheld_titles=titles,
        outcomes_by_committee={o.code: o for o in report.outcomes.by_committee},
        charts={
            "delivery": charts.delivery_chart(
                report.delivery.committees,
                "periodens andel av nämndens årsmål" if pro_rata else "nämndens mål för året",
            ),
            "trend": charts.trend_chart(
                report.trend,
                report.delivery.target,
                "Periodens andel av årsmålet" if pro_rata else "Mål för året",
            ),
            "outcomes": charts.outcome_chart(report.outcomes),
        },
    )
