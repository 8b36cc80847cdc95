"""The follow-up report as it is published: the JSON the API serves (and documents in its
OpenAPI), which the dashboard and the CSV and XLSX exports render too. Plain models, with no
web framework, so that the domain can assemble a report and the presentation read one without
depending on HTTP."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class PeriodOut(BaseModel):
    kind: str
    start: date
    end: date
    label: str
    days: int


class Figures(BaseModel):
    started: int = Field(description="Placements that started in the period.")
    active: int = Field(description="Placements active at some time in the period.")
    ended: int = Field(description="Placements that ended in the period.")
    fte: float = Field(description="Full-time equivalents over the period (2 decimals).")


class Group(Figures):
    code: str
    name: str


class AdministrationGroup(Group):
    committee: str


class Delivery(BaseModel):
    committee: str
    name: str
    delivered: int = Field(description="Placements active at some time in the period.")
    target: int | None = Field(
        description="The target the period is compared with: the year's, or its pro-rata "
        "share for a shorter period (see `DeliverySummary.target_basis`)."
    )
    annual_target: int | None = Field(
        default=None, description="The committee's target for the whole year."
    )
    difference: int | None = Field(description="delivered − target")
    attainment: float | None = Field(description="delivered / target")
    met: bool | None


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
    delivered: int
    target: int | None = Field(description="The target the period is compared with.")
    annual_target: int | None = Field(description="The year's target.")
    attainment: float | None
    committees: list[Delivery]


class OutcomeRow(BaseModel):
    code: str
    name: str
    category: str
    count: int
    share: float | None


class OutcomeSplit(BaseModel):
    code: str
    name: str
    ended: int
    work_or_studies: int
    share: float | None


class Outcomes(BaseModel):
    ended: int
    by_code: list[OutcomeRow]
    work: int
    studies: int
    work_or_studies: int
    work_share: float | None
    studies_share: float | None
    work_or_studies_share: float | None
    by_committee: list[OutcomeSplit]
    by_gender: list[OutcomeSplit]
    by_age_band: list[OutcomeSplit]


class DurationRow(BaseModel):
    bucket: str
    label: str
    count: int
    share: float | None


class Certificates(BaseModel):
    ended: int = Field(description="Placements that ended in the period.")
    certified: int = Field(description="… of which have a valid certificate.")
    coverage: float | None
    median_days: int | None = Field(description="Days from end to first certificate, median.")
    p90_days: int | None = Field(description="… 90th percentile (nearest rank).")


class ValueAddedRow(BaseModel):
    category: str
    name: str
    beneficiary: str
    planned: int = Field(description="Active placements with the category planned.")
    realised: int = Field(description="Active placements with the category realised.")


class ModuleProgression(BaseModel):
    module: str
    name: str
    compared: int = Field(description="Ended placements assessed at least twice in the module.")
    improved: int
    same: int
    declined: int
    single: int = Field(description="Ended placements assessed once only (not compared).")
    improved_share: float | None
    same_share: float | None
    declined_share: float | None


class TrendMonth(BaseModel):
    month: str = Field(examples=["2026-03"])
    label: str
    started: int
    active: int
    ended: int
    delivered_to_date: int = Field(
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
