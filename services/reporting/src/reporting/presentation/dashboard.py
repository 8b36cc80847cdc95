"""The HTML dashboard: one page per period, charts drawn on the server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape

from reporting.domain.periods import MONTHS_SV, PeriodKind
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
    return template.render(
        report=report,
        form=form,
        drill=drill or DrillDown("/dashboard", []),
        links=links,
        generated_at=generated_at,
        reader=reader,
        period_kinds=PERIOD_KINDS,
        month_names=[m.capitalize() for m in MONTHS_SV],
        number=charts.number,
        percent=charts.percent,
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
