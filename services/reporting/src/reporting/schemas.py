"""The follow-up report as it is published: the JSON the API serves (and documents in its
OpenAPI), which the dashboard and the CSV and XLSX exports render too. Plain models, with no
web framework, so that the domain can assemble a report and the presentation read one without
depending on HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

# A figure the report withholds (small-cell suppression, ``reporting.domain.suppression``)
# is the exports' marker in place of the number: "<5" for a count from 1 to 4 at threshold 5,
# ".." for a cell hidden so a hidden one cannot be computed back, or a figure derived from a
# hidden count. A string in place of the number rather than null plus a side list: null
# already means "not applicable" (a share of nothing), a client tells a withheld value apart
# by its type alone, it reads the same as in the CSV and XLSX, and every value stays where it
# was, so a report with nothing withheld is exactly the report of exact figures.
Withheld = Annotated[
    str,
    Field(
        pattern=r"^(<[0-9]+|\.\.)$",
        description="Withheld (small-cell suppression): '<threshold' for a count from 1 to "
        "threshold − 1; '..' for a count hidden so that a hidden one cannot be computed back "
        "from totals, or a figure derived from a hidden count.",
        examples=["<5", ".."],
    ),
]
Count = int | Withheld
Amount = float | Withheld
Share = float | Withheld | None


class PeriodOut(BaseModel):
    kind: str
    start: date
    end: date
    label: str
    days: int


class Figures(BaseModel):
    started: Count = Field(description="Placements that started in the period.")
    active: Count = Field(description="Placements active at some time in the period.")
    ended: Count = Field(description="Placements that ended in the period.")
    fte: Amount = Field(description="Full-time equivalents over the period (2 decimals).")


class Group(Figures):
    code: str
    name: str


class AdministrationGroup(Group):
    committee: str


class Delivery(BaseModel):
    committee: str
    name: str
    delivered: Count = Field(description="Placements active at some time in the period.")
    target: int | None = Field(
        description="The target the period is compared with: the year's, or its pro-rata "
        "share for a shorter period (see `DeliverySummary.target_basis`)."
    )
    annual_target: int | None = Field(
        default=None, description="The committee's target for the whole year."
    )
    difference: int | Withheld | None = Field(description="delivered − target")
    attainment: Share = Field(description="delivered / target")
    met: bool | Withheld | None


class DeliverySummary(BaseModel):
    target_year: int | None = Field(
        description="Targets are per calendar year; none for a period spanning several years."
    )
    target_basis: Literal["year", "pro_rata"] | None = Field(
        description="year: compared with the whole year's target (a year, the delår); "
        "pro_rata: with the share of it the period's days make (a month, tertial or custom "
        "period); null: not compared."
    )
    target_share: float | None = Field(
        description="The share of the year's target the period is compared with (days of the "
        "period / days of the year), 4 decimals.",
        examples=[0.0822],
    )
    target_label: str = Field(
        description="What the target is, in Swedish, as the dashboard and exports say it.",
        examples=["Mål för perioden (andel av årsmålet, 30 av 365 dagar)"],
    )
    delivered: Count
    target: int | None = Field(description="The target the period is compared with.")
    annual_target: int | None = Field(description="The year's target.")
    attainment: Share
    committees: list[Delivery]


class OutcomeRow(BaseModel):
    code: str
    name: str
    category: str
    count: Count
    share: Share


class OutcomeSplit(BaseModel):
    code: str
    name: str
    ended: Count
    work_or_studies: Count
    share: Share


class Outcomes(BaseModel):
    ended: Count
    by_code: list[OutcomeRow]
    work: Count
    studies: Count
    work_or_studies: Count
    work_share: Share
    studies_share: Share
    work_or_studies_share: Share
    by_committee: list[OutcomeSplit]
    by_gender: list[OutcomeSplit]
    by_age_band: list[OutcomeSplit]


class DurationRow(BaseModel):
    bucket: str
    label: str
    count: Count
    share: Share


class Certificates(BaseModel):
    ended: Count = Field(description="Placements that ended in the period.")
    certified: Count = Field(description="… of which have a valid certificate.")
    coverage: Share
    median_days: int | Withheld | None = Field(
        description="Days from end to first certificate, median."
    )
    p90_days: int | Withheld | None = Field(description="… 90th percentile (nearest rank).")


class ValueAddedRow(BaseModel):
    category: str
    name: str
    beneficiary: str
    planned: Count = Field(description="Active placements with the category planned.")
    realised: Count = Field(description="Active placements with the category realised.")


class ModuleProgression(BaseModel):
    module: str
    name: str
    compared: Count = Field(description="Ended placements assessed at least twice in the module.")
    improved: Count
    same: Count
    declined: Count
    single: Count = Field(description="Ended placements assessed once only (not compared).")
    improved_share: Share
    same_share: Share
    declined_share: Share


class TrendMonth(BaseModel):
    month: str = Field(examples=["2026-03"])
    label: str
    started: Count
    active: Count
    ended: Count
    delivered_to_date: Count = Field(
        description="Placements active at some time from the period's start to the month's end."
    )


class UnitLink(BaseModel):
    level: Literal["city", "committee", "forvaltning", "workplace"]
    code: str | None = Field(default=None, description="The committee's or förvaltning's code.")
    workplace: str | None = None
    name: str


class UnitOut(UnitLink):
    path: list[UnitLink] = Field(description="The units above this one, from the city down.")


class Report(BaseModel):
    period: PeriodOut
    totals: Figures
    by_committee: list[Group]
    by_administration: list[AdministrationGroup]
    by_type: list[Group]
    by_gender: list[Group]
    by_age_band: list[Group]
    delivery: DeliverySummary
    outcomes: Outcomes
    time_in_placement: list[DurationRow]
    certificates: Certificates
    value_added: list[ValueAddedRow]
    progression: list[ModuleProgression]
    trend: list[TrendMonth]
    definitions: dict[str, str]
    unit: UnitOut = Field(
        default_factory=lambda: UnitOut(level="city", name="Hela staden", path=[]),
        description="Which part of the city the figures count (`level`, `unit`, `workplace`).",
    )
    by_workplace: list[Group] = Field(
        default_factory=list, description="A förvaltning's report: its workplaces' figures."
    )
    suppression_threshold: int = Field(
        default=1,
        description="Counts from 1 to this minus one are withheld, with the cells that would "
        "reveal them and the figures derived from them (see `Withheld`); 1: none.",
    )
