"""The report as tables with Swedish headings: what the CSV and XLSX exports contain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from reporting.domain.suppression import Cell, Column, Table
from reporting.schemas import Group, OutcomeSplit, Report

PERCENT = "(%)"


def percent(value: float | str | None) -> float | str | None:
    """A share in per cent; a withheld one stays its marker."""
    return round(value * 100, 1) if isinstance(value, int | float) else value


def _figure_columns(label: Column) -> tuple[Column, ...]:
    return (
        label,
        Column("started", "Startade"),
        Column("active", "Aktiva (levererade)"),
        Column("ended", "Avslutade"),
        Column("fte", "Årsarbetare", "derived", ("active",)),
    )


def _figure_rows(groups: Sequence[Group], total: Group) -> tuple[tuple[Cell, ...], ...]:
    return tuple((g.name, g.started, g.active, g.ended, g.fte) for g in [*groups, total])


def _split_table(
    name: str, title: str, label: str, rows: Sequence[OutcomeSplit], report: Report
) -> Table:
    total = (
        "Totalt",
        report.outcomes.ended,
        report.outcomes.work_or_studies,
        percent(report.outcomes.work_or_studies_share),
    )
    return Table(
        name,
        title,
        (
            Column("label", label, "label"),
            Column("ended", "Avslutade"),
            Column("positive", "Till arbete eller studier"),
            Column("share", f"Andel {PERCENT}", "derived", ("ended", "positive")),
        ),
        (*((r.name, r.ended, r.work_or_studies, percent(r.share)) for r in rows), total),
        has_total_row=True,
    )


def report_tables(report: Report, threshold: int, generated_at: datetime) -> list[Table]:
    """The exports' tables, in the order of the workbook's sheets."""
    totals = Group(code="", name=report.unit.name, **report.totals.model_dump())
    outcomes = report.outcomes
    workplaces = [
        _figures(
            "Arbetsplats", "Platser per arbetsplats", "Arbetsplats", report.by_workplace, totals
        )
    ]
    return [
        _about(report, threshold, generated_at),
        _committees(report, totals),
        _administrations(report, totals),
        *(workplaces if report.by_workplace else []),  # a förvaltning's report
        _figures(
            "Anställningsform",
            "Platser per anställningsform",
            "Anställningsform",
            report.by_type,
            totals,
        ),
        _figures("Kön", "Platser per kön", "Kön", report.by_gender, totals),
        _figures("Ålder", "Platser per åldersgrupp", "Åldersgrupp", report.by_age_band, totals),
        _outcome_codes(report),
        _split_table(
            "Arbete-studier nämnd",
            "Till arbete eller studier per nämnd",
            "Nämnd",
            outcomes.by_committee,
            report,
        ),
        _split_table(
            "Arbete-studier kön",
            "Till arbete eller studier per kön",
            "Kön",
            outcomes.by_gender,
            report,
        ),
        _split_table(
            "Arbete-studier ålder",
            "Till arbete eller studier per åldersgrupp",
            "Åldersgrupp",
            outcomes.by_age_band,
            report,
        ),
        _time_in_placement(report),
        _certificates(report),
        _value_added(report),
        _progression(report),
        _months(report),
    ]


def _about(report: Report, threshold: int, generated_at: datetime) -> Table:
    return Table(
        "Om rapporten",
        "Om rapporten",
        (Column("what", "Uppgift", "label"), Column("value", "Värde", "fixed")),
        (
            ("Period", report.period.label),
            ("Från och med", report.period.start.isoformat()),
            ("Till och med", report.period.end.isoformat()),
            ("Mål", report.delivery.target_label),
            ("Skapad", generated_at.isoformat(timespec="seconds")),
            (
                "Små tal",
                f"<{threshold}: 1–{threshold - 1}, dolt. '..': dolt för att en dold cell "
                "inte ska kunna räknas fram ur summor, eller beräknat ur en dold cell.",
            ),
            *((key, text) for key, text in report.definitions.items()),
        ),
    )


def target_heading(report: Report) -> str:
    """The year's target, or the period's share of it: a reader must see which."""
    return "Mål för perioden (andel av årsmålet)" if _pro_rata(report) else "Mål"


def _pro_rata(report: Report) -> bool:
    return report.delivery.target_basis == "pro_rata"


def _committees(report: Report, totals: Group) -> Table:
    by_committee = {d.committee: d for d in report.delivery.committees}
    committee_rows = (
        *(
            (
                g.name,
                g.started,
                g.active,
                g.ended,
                g.fte,
                by_committee[g.code].target,
                percent(by_committee[g.code].attainment),
            )
            for g in report.by_committee
        ),
        (
            totals.name,
            totals.started,
            totals.active,
            totals.ended,
            totals.fte,
            report.delivery.target,
            percent(report.delivery.attainment),
        ),
    )
    return Table(
        "Nämnd",
        "Platser och mål per nämnd",
        (
            *_figure_columns(Column("label", "Nämnd", "label")),
            Column("target", target_heading(report), "fixed"),
            Column(
                "attainment",
                f"Levererat av {'periodens ' if _pro_rata(report) else ''}mål {PERCENT}",
                "derived",
                ("active",),
            ),
        ),
        committee_rows,
        has_total_row=True,
    )


def _administrations(report: Report, totals: Group) -> Table:
    committee_names = {g.code: g.name for g in report.by_committee}
    return Table(
        "Förvaltning",
        "Platser per förvaltning",
        (
            Column("committee", "Nämnd", "label"),
            *_figure_columns(Column("label", "Förvaltning", "label")),
        ),
        (
            *(
                (
                    committee_names.get(a.committee, a.committee),
                    a.name,
                    a.started,
                    a.active,
                    a.ended,
                    a.fte,
                )
                for a in report.by_administration
            ),
            ("", *_figure_rows((), totals)[0]),
        ),
        has_total_row=True,
    )


def _figures(name: str, title: str, label: str, groups: Sequence[Group], totals: Group) -> Table:
    return Table(
        name,
        title,
        _figure_columns(Column("label", label, "label")),
        _figure_rows(groups, totals),
        has_total_row=True,
    )


def _outcome_codes(report: Report) -> Table:
    return Table(
        "Avslutsorsak",
        "Avslutade platser per avslutsorsak",
        (
            Column("code", "Kod", "label"),
            Column("name", "Avslutsorsak", "label"),
            Column("category", "Kategori", "label"),
            Column("count", "Antal"),
            Column("share", f"Andel {PERCENT}", "derived", ("count",)),
        ),
        (
            *(
                (o.code, o.name, o.category, o.count, percent(o.share))
                for o in report.outcomes.by_code
            ),
            ("", "Totalt", "", report.outcomes.ended, 100.0 if report.outcomes.ended else None),
        ),
        has_total_row=True,
    )


def _time_in_placement(report: Report) -> Table:
    ended = report.certificates.ended
    return Table(
        "Tid på plats",
        "Tid på plats för avslutade platser",
        (
            Column("bucket", "Tid", "label"),
            Column("count", "Antal"),
            Column("share", f"Andel {PERCENT}", "derived", ("count",)),
        ),
        (
            *((d.label, d.count, percent(d.share)) for d in report.time_in_placement),
            ("Totalt", ended, 100.0 if ended else None),
        ),
        has_total_row=True,
    )


def _certificates(report: Report) -> Table:
    cert = report.certificates
    return Table(
        "Intyg",
        "Intyg för avslutade platser",
        (
            Column("ended", "Avslutade"),
            Column("certified", "Med intyg"),
            Column("coverage", f"Intygstäckning {PERCENT}", "derived", ("ended", "certified")),
            Column("median", "Dagar till intyg, median", "derived", ("certified",)),
            Column("p90", "Dagar till intyg, 90:e percentil", "derived", ("certified",)),
        ),
        (
            (
                cert.ended,
                cert.certified,
                percent(cert.coverage),
                cert.median_days,
                cert.p90_days,
            ),
        ),
    )


def _value_added(report: Report) -> Table:
    return Table(
        "Mervärde",
        "Mervärde för aktiva platser (antal platser)",
        (
            Column("category", "Kategori", "label"),
            Column("beneficiary", "För", "label"),
            Column("planned", "Planerat"),
            Column("realised", "Realiserat"),
        ),
        tuple(
            (
                v.name,
                "arbetsplatsen" if v.beneficiary == "workplace" else "individen",
                v.planned,
                v.realised,
            )
            for v in report.value_added
        ),
    )


def _progression(report: Report) -> Table:
    return Table(
        "Progression",
        "Progression per modul för avslutade platser (första mot senaste bedömning)",
        (
            Column("module", "Modul", "label"),
            Column("compared", "Jämförda"),
            Column("improved", "Högre nivå"),
            Column("same", "Samma nivå"),
            Column("declined", "Lägre nivå"),
            Column("single", "En bedömning"),
        ),
        tuple(
            (p.name, p.compared, p.improved, p.same, p.declined, p.single)
            for p in report.progression
        ),
        row_sums=((("improved", "same", "declined"), "compared"),),
    )


def _months(report: Report) -> Table:
    return Table(
        "Månad",
        "Utveckling per månad",
        (
            Column("month", "Månad", "label"),
            Column("started", "Startade"),
            Column("active", "Aktiva", additive=False),
            Column("ended", "Avslutade"),
            Column("delivered", "Levererade hittills", additive=False),
        ),
        (
            *((m.label, m.started, m.active, m.ended, m.delivered_to_date) for m in report.trend),
            (
                "Hela perioden",
                report.totals.started,
                report.totals.active,
                report.totals.ended,
                report.totals.active,
            ),
        ),
        has_total_row=True,
    )


def row_label(table: Table, row: Sequence[Cell]) -> str:
    """The row's name: its label cells joined (for the long CSV format)."""
    labels = [str(row[i]) for i, c in enumerate(table.columns) if c.kind == "label" and row[i]]
    return " / ".join(labels)
