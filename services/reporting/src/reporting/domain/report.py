"""The follow-up report of one period, assembled from grouped counts (the report's published
shape is ``reporting.schemas``).

The database does the counting over many placements (``Aggregates`` are small: one row per
combination of organisation, type, gender and age band, and so on); this module turns those
counts into the figures, with the definitions of ``reporting.domain.definitions``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import NamedTuple

from contracts.organisations import OrganisationRegister
from contracts.reference import ReferenceData
from reporting.domain import definitions
from reporting.domain.periods import Period
from reporting.domain.reference import UNKNOWN_COMMITTEE, CommitteeIndex, administration_name
from reporting.schemas import (
    AdministrationGroup,
    Certificates,
    Count,
    Delivery,
    DeliverySummary,
    DurationRow,
    Figures,
    Group,
    ModuleProgression,
    OutcomeRow,
    Outcomes,
    OutcomeSplit,
    PeriodOut,
    Report,
    TrendMonth,
    ValueAddedRow,
)

GENDERS = {"female": "Kvinnor", "male": "Män"}
AGE_BANDS = {"up_to_24": "Upp till 24 år", "25_plus": "25 år och äldre"}
PROGRESSION_LABELS = {
    "improved": "Högre nivå",
    "same": "Samma nivå",
    "declined": "Lägre nivå",
    "single": "En bedömning",
}

# --- what the database hands over ---------------------------------------------------------
# Cells are named tuples: a report at national scale makes thousands of them, and a tuple is made
# several times faster than a frozen dataclass.


class ActivityCell(NamedTuple):
    """Placements active in the period, grouped; ``rate_days`` is Σ rate × active days."""

    organisation: str
    placement_type: str
    gender: str
    age_band: str
    started: int
    active: int
    ended: int
    rate_days: int


class EndedCell(NamedTuple):
    """Placements that ended in the period, grouped."""

    organisation: str
    outcome: str
    gender: str
    age_band: str
    duration_bucket: definitions.DurationBucket
    certified: bool
    placements: int


class ValueAddedCell(NamedTuple):
    stage: str
    beneficiary: str
    category: str
    placements: int


class ProgressionCell(NamedTuple):
    module: str
    progression: definitions.Progression
    placements: int


@dataclass(frozen=True)
class TrendCounts:
    """Month histograms (month 0 is the period's first) and counts before the period, from
    which each month's active count follows without a pass over the placements per month."""

    started_before: int = 0
    ended_before: int = 0  # effective end before the period
    started: Mapping[int, int] = field(default_factory=dict)
    effective_end: Mapping[int, int] = field(default_factory=dict)
    ended: Mapping[int, int] = field(default_factory=dict)  # actual ends


class WorkplaceCell(NamedTuple):
    """A förvaltning's placements at one workplace, active in the period."""

    workplace: str
    started: int
    active: int
    ended: int
    rate_days: int


@dataclass(frozen=True)
class Aggregates:
    activity: list[ActivityCell] = field(default_factory=list)
    ended: list[EndedCell] = field(default_factory=list)
    days_to_certificate: Mapping[int, int] = field(default_factory=dict)
    value_added: list[ValueAddedCell] = field(default_factory=list)
    progression: list[ProgressionCell] = field(default_factory=list)
    trend: TrendCounts = field(default_factory=TrendCounts)
    workplaces: list[WorkplaceCell] = field(default_factory=list)  # when the scope asks


# --- the report -----------------------------------------------------------------------------


DEFINITIONS = {
    "counted": "En plats räknas när händelsen PlacementStarted har tagits emot, och inte "
    "alls om den har makulerats. Rättelser gäller: varje uppgift räknas som den senast "
    "rättades.",
    "active": "Aktiv under perioden: startdatum ≤ periodens slut och faktiskt slutdatum "
    "(annars planerat slutdatum) ≥ periodens början.",
    "delivered": "Levererade platser: platser aktiva någon gång under perioden, räknade en gång "
    "per plats, hos den nämnd vars förvaltning registrerade platsen.",
    "target": "Målet är nämndens mål för kalenderåret enligt fördelningsmodellen. Ett år och "
    "delåret jämförs med hela årsmålet; en månad, ett tertial eller en egen period inom ett år "
    "med sin andel av årsmålet (periodens dagar / årets dagar, avrundat till hela platser); "
    "för en period över flera år visas inget mål.",
    "fte": "Årsarbetare: summan av sysselsättningsgrad/100 × andel av periodens dagar som "
    "platsen var aktiv.",
    "outcomes": definitions.OUTCOME_DEFINITION,
    "time_in_placement": "Tid på plats för platser avslutade under perioden, i kalendermånader "
    "från startdatum till dagen efter slutdatum: < 3, 3–6 (6 inräknat), över 6 till och med "
    "24, > 24.",
    "certificates": "Intygstäckning: andel av platserna avslutade under perioden som har ett "
    "giltigt intyg (återkallade utan ersättare räknas inte). Tid till intyg: dagar från "
    "slutdatum till första intygets utfärdandedag (svensk tid); median och 90:e percentil "
    "(närmaste rang).",
    "value_added": "Mervärde: antal platser aktiva under perioden med kategorin planerad "
    "respektive realiserad.",
    "progression": "Progression per modul för platser avslutade under perioden: första mot "
    "senaste bedömning (efter bedömningsdatum) på modulens skala; platser med en enda "
    "bedömning redovisas för sig.",
}


def build_report(
    period: Period,
    aggregates: Aggregates,
    register: OrganisationRegister,
    targets: Mapping[str, int] | None,
    reference: ReferenceData,
) -> Report:
    """``targets`` are the committees' targets for the period's year (None: no target)."""
    activity = aggregates.activity
    type_names = {t.code: t.name.sv for t in reference.placement_types}

    def groups(key: Callable[[ActivityCell], str], names: Mapping[str, str]) -> list[Group]:
        sums = _sum_activity(activity, key)
        codes = list(names) + sorted(code for code in sums if code not in names)
        return [
            Group(code=code, name=names.get(code, code), **_figures(sums.get(code), period))
            for code in codes
        ]

    committee_of = CommitteeIndex(register)
    committee_names = {c.code: c.name for c in register.committees}
    if any(committee_of(c.organisation) == UNKNOWN_COMMITTEE.code for c in activity):
        committee_names[UNKNOWN_COMMITTEE.code] = UNKNOWN_COMMITTEE.name
    by_committee = groups(lambda c: committee_of(c.organisation), committee_names)
    administrations = {a.code: a.name for a in register.administrations}
    for code in dict.fromkeys(cell.organisation for cell in activity):  # the register's once
        if code not in administrations:
            administrations[code] = administration_name(register, code)
    return Report(
        period=PeriodOut(
            kind=period.kind.value,
            start=period.start,
            end=period.end,
            label=period.label,
            days=period.days,
        ),
        totals=Figures(**_figures(_sum_activity(activity, lambda _: "").get(""), period)),
        by_committee=by_committee,
        by_administration=[
            AdministrationGroup(committee=committee_of(g.code), **g.model_dump())
            for g in groups(lambda c: c.organisation, administrations)
        ],
        by_type=groups(lambda c: c.placement_type, type_names),
        by_gender=groups(lambda c: c.gender, GENDERS),
        by_age_band=groups(lambda c: c.age_band, AGE_BANDS),
        delivery=_delivery(by_committee, period, targets),
        outcomes=_outcomes(aggregates.ended, committee_of, reference, committee_names),
        time_in_placement=_durations(aggregates.ended),
        certificates=_certificates(aggregates),
        value_added=_value_added(aggregates.value_added, reference),
        progression=_progression(aggregates.progression, reference),
        trend=_trend(period, aggregates.trend),
        definitions=DEFINITIONS,
    )


# --- parts --------------------------------------------------------------------------------


@dataclass
class _Sums:
    started: int = 0
    active: int = 0
    ended: int = 0
    rate_days: int = 0


def _sum_activity(
    cells: Iterable[ActivityCell], key: Callable[[ActivityCell], str]
) -> dict[str, _Sums]:
    sums: dict[str, _Sums] = defaultdict(_Sums)
    for cell in cells:
        s = sums[key(cell)]
        s.started += cell.started
        s.active += cell.active
        s.ended += cell.ended
        s.rate_days += cell.rate_days
    return dict(sums)


def _figures(sums: _Sums | None, period: Period) -> dict[str, int | float]:
    s = sums or _Sums()
    return {
        "started": s.started,
        "active": s.active,
        "ended": s.ended,
        "fte": _round(definitions.fte(s.rate_days, period.days), 2),
    }


def _round(value: Fraction, digits: int) -> float:
    return float(round(value, digits))


def _delivery(
    by_committee: list[Group], period: Period, targets: Mapping[str, int] | None
) -> DeliverySummary:
    """Delivered against the target the period is compared with (``definitions.target_share``)."""
    share = definitions.target_share(period) if targets is not None else None
    annual = targets if targets is not None and share is not None else None

    def cut(target: int | None) -> int | None:
        return definitions.period_target(target, share) if target is not None and share else None

    rows = []
    for group in by_committee:
        target = cut(annual.get(group.code) if annual is not None else None)
        active = exact(group.active)
        rows.append(
            Delivery(
                committee=group.code,
                name=group.name,
                delivered=active,
                target=target,
                annual_target=annual.get(group.code) if annual is not None else None,
                difference=active - target if target is not None else None,
                attainment=definitions.share(active, target) if target else None,
                met=active >= target if target is not None else None,
            )
        )
    delivered = sum(exact(g.active) for g in by_committee)
    total_annual = sum(annual.values()) if annual is not None else None
    total_target = cut(total_annual)
    return DeliverySummary(
        target_year=period.year if annual is not None else None,
        target_basis=None if share is None else "year" if share == 1 else "pro_rata",
        target_share=_round(share, 4) if share is not None else None,
        target_label=_target_label(period, share),
        delivered=delivered,
        target=total_target,
        annual_target=total_annual,
        attainment=definitions.share(delivered, total_target) if total_target else None,
        committees=rows,
    )


def exact(count: Count) -> int:
    """A count of a report being built: suppression comes after, so none is withheld yet."""
    if isinstance(count, str):
        raise ValueError(f"a withheld count ({count!r}) in a report being built")
    return count


def _target_label(period: Period, share: Fraction | None) -> str:
    """Which target the figures are compared with, as the dashboard and exports say it."""
    if share is None:
        return "Inget mål för perioden"
    if share == 1:
        return "Årsmål"
    year_days = definitions.days_in_year(period.start.year)
    return f"Mål för perioden (andel av årsmålet, {period.days} av {year_days} dagar)"


def _outcomes(
    cells: list[EndedCell],
    committee_of: CommitteeIndex,
    reference: ReferenceData,
    committee_names: Mapping[str, str],
) -> Outcomes:
    by_code = Counter[str]()
    for cell in cells:
        by_code[cell.outcome] += cell.placements
    ended = sum(by_code.values())
    work = sum(by_code[o.code] for o in reference.outcomes if o.category == "work")
    studies = sum(by_code[o.code] for o in reference.outcomes if o.category == "studies")
    folded = _folded_by_dimension(cells)
    split = partial(_outcome_split, folded)
    return Outcomes(
        ended=ended,
        by_code=[
            OutcomeRow(
                code=o.code,
                name=o.name.sv,
                category=o.category,
                count=by_code[o.code],
                share=definitions.share(by_code[o.code], ended),
            )
            for o in reference.outcomes
        ],
        work=work,
        studies=studies,
        work_or_studies=work + studies,
        work_share=definitions.share(work, ended),
        studies_share=definitions.share(studies, ended),
        work_or_studies_share=definitions.share(work + studies, ended),
        by_committee=split("organisation", committee_of, committee_names),
        by_gender=split("gender", str, GENDERS),
        by_age_band=split("age_band", str, AGE_BANDS),
    )


SplitCounts = Counter[tuple[str, bool]]
"""Ended placements by a dimension's value and whether they went to work or studies."""


def _folded_by_dimension(cells: list[EndedCell]) -> dict[str, SplitCounts]:
    """Folded once by each dimension a split groups by, so the splits go over a few dozen
    values rather than every cell."""
    folded: dict[str, SplitCounts] = {
        "organisation": Counter(),
        "gender": Counter(),
        "age_band": Counter(),
    }
    for cell in cells:
        positive = cell.outcome in definitions.WORK_OR_STUDIES
        folded["organisation"][cell.organisation, positive] += cell.placements
        folded["gender"][cell.gender, positive] += cell.placements
        folded["age_band"][cell.age_band, positive] += cell.placements
    return folded


def _outcome_split(
    folded: Mapping[str, SplitCounts],
    dimension: str,
    key: Callable[[str], str],
    names: Mapping[str, str],
) -> list[OutcomeSplit]:
    totals, positive = Counter[str](), Counter[str]()
    for (value, is_positive), count in folded[dimension].items():
        code = key(value)
        totals[code] += count
        if is_positive:
            positive[code] += count
    codes = list(names) + sorted(code for code in totals if code not in names)
    return [
        OutcomeSplit(
            code=code,
            name=names.get(code, code),
            ended=totals[code],
            work_or_studies=positive[code],
            share=definitions.share(positive[code], totals[code]),
        )
        for code in codes
    ]


def _durations(cells: list[EndedCell]) -> list[DurationRow]:
    counts = Counter[str]()
    for cell in cells:
        counts[cell.duration_bucket] += cell.placements
    ended = sum(counts.values())
    return [
        DurationRow(
            bucket=bucket,
            label=definitions.DURATION_LABELS[bucket],
            count=counts[bucket],
            share=definitions.share(counts[bucket], ended),
        )
        for bucket in definitions.DURATION_BUCKETS
    ]


def _certificates(aggregates: Aggregates) -> Certificates:
    ended = sum(c.placements for c in aggregates.ended)
    certified = sum(c.placements for c in aggregates.ended if c.certified)
    return Certificates(
        ended=ended,
        certified=certified,
        coverage=definitions.share(certified, ended),
        median_days=definitions.percentile(aggregates.days_to_certificate, 50),
        p90_days=definitions.percentile(aggregates.days_to_certificate, 90),
    )


def _value_added(cells: list[ValueAddedCell], reference: ReferenceData) -> list[ValueAddedRow]:
    counts = {(c.stage, c.category): c.placements for c in cells}
    known = {c.code for c in reference.value_added_categories}
    extra = sorted({(c.beneficiary, c.category) for c in cells if c.category not in known})
    rows = [
        ValueAddedRow(
            category=c.code,
            name=c.name.sv,
            beneficiary=c.beneficiary,
            planned=counts.get(("planned", c.code), 0),
            realised=counts.get(("realised", c.code), 0),
        )
        for c in reference.value_added_categories
    ]
    rows += [
        ValueAddedRow(
            category=code,
            name=code,
            beneficiary=beneficiary,
            planned=counts.get(("planned", code), 0),
            realised=counts.get(("realised", code), 0),
        )
        for beneficiary, code in extra
    ]
    return rows


def _progression(cells: list[ProgressionCell], reference: ReferenceData) -> list[ModuleProgression]:
    counts = {(c.module, c.progression): c.placements for c in cells}
    result = []
    for module in reference.modules:
        n = {p: counts.get((module.code, p), 0) for p in definitions.PROGRESSIONS}
        compared = n["improved"] + n["same"] + n["declined"]
        result.append(
            ModuleProgression(
                module=module.code,
                name=module.name.sv,
                compared=compared,
                improved=n["improved"],
                same=n["same"],
                declined=n["declined"],
                single=n["single"],
                improved_share=definitions.share(n["improved"], compared),
                same_share=definitions.share(n["same"], compared),
                declined_share=definitions.share(n["declined"], compared),
            )
        )
    return result


def _trend(period: Period, counts: TrendCounts) -> list[TrendMonth]:
    """active(m) = #(start ≤ month end) − #(effective end < month start); every placement that
    ended before the month started before it, so the difference counts exactly those active."""
    result = []
    started_to_date = counts.started_before
    ended_before_month = counts.ended_before
    for index, month in enumerate(period.months()):
        started_to_date += counts.started.get(index, 0)
        result.append(
            TrendMonth(
                month=f"{month.start.year}-{month.start.month:02d}",
                label=month.label,
                started=counts.started.get(index, 0),
                active=started_to_date - ended_before_month,
                ended=counts.ended.get(index, 0),
                delivered_to_date=started_to_date - counts.ended_before,
            )
        )
        ended_before_month += counts.effective_end.get(index, 0)
    return result
