"""The report as the JSON and the dashboard publish it: small cells withheld with the exports'
markers, at every level, and nothing computable back from what is shown."""

from __future__ import annotations

import random
from typing import Any

from contracts.organisations import load_register
from contracts.reference import load_reference_data
from reporting.domain import definitions
from reporting.domain.drilldown import workplace_groups
from reporting.domain.periods import Period
from reporting.domain.published import blocks, suppress_report
from reporting.domain.report import (
    ActivityCell,
    Aggregates,
    EndedCell,
    ProgressionCell,
    TrendCounts,
    ValueAddedCell,
    WorkplaceCell,
    build_report,
)
from reporting.domain.suppression import SECONDARY
from reporting.schemas import Report
from tests.unit.reporting.withheld import assert_nothing_recoverable

REGISTER = load_register()
REFERENCE = load_reference_data()
YEAR = Period.calendar_year(2026)
DAYS = YEAR.days


def started(organisation: str, n: int, rate: int = 100) -> ActivityCell:
    return ActivityCell(organisation, "extratjanst", "female", "25_plus", n, n, 0, n * rate * DAYS)


def city_report() -> Report:
    """Started and active: Stadskontoret 7, ASF 6, Kulturförvaltningen 2."""
    aggregates = Aggregates(activity=[started("sk", 7), started("asf", 6), started("kf", 2)])
    return build_report(YEAR, aggregates, REGISTER, {"ks": 10, "asn": 10, "kn": 3}, REFERENCE)


def test_a_small_committee_its_complement_and_what_derives_from_them_are_withheld() -> None:
    published = suppress_report(city_report(), 5)
    committees = {g.code: g for g in published.by_committee}
    assert (committees["ks"].started, committees["asn"].started, committees["kn"].started) == (
        7,
        SECONDARY,
        "<5",
    )
    assert committees["fsn"].started == 0  # zero says nothing about anyone
    assert published.totals.started == 15
    assert (committees["kn"].fte, committees["asn"].fte, committees["ks"].fte) == (
        SECONDARY,
        SECONDARY,
        7.0,
    )
    delivery = {d.committee: d for d in published.delivery.committees}
    kn = delivery["kn"]
    # delivered 2 of 3: neither the count, nor the difference, share or whether the target was
    # met may show it; the target itself is public
    assert (kn.delivered, kn.difference, kn.attainment, kn.met, kn.target) == (
        "<5",
        SECONDARY,
        SECONDARY,
        SECONDARY,
        3,
    )
    assert (delivery["ks"].delivered, delivery["ks"].met) == (7, False)
    assert (delivery["asn"].delivered, published.delivery.delivered) == (SECONDARY, 15)
    assert published.suppression_threshold == 5
    assert_nothing_recoverable(published)


def test_a_forvaltning_s_small_workplace_and_its_complement_are_withheld() -> None:
    aggregates = Aggregates(activity=[started("asf", 10)])
    report = build_report(YEAR, aggregates, REGISTER, None, REFERENCE)
    cells = [
        WorkplaceCell("Parken / Skötsel", 8, 8, 0, 8 * 100 * DAYS),
        WorkplaceCell("Biblioteket / Vuxen", 2, 2, 0, 2 * 100 * DAYS),
        WorkplaceCell("Simhallen / Kassa", 0, 0, 0, 0),
    ]
    report = report.model_copy(update={"by_workplace": workplace_groups(cells, YEAR)})
    published = suppress_report(report, 5)
    workplaces = {g.code: (g.started, g.active, g.fte) for g in published.by_workplace}
    assert workplaces == {
        "Parken / Skötsel": (SECONDARY, SECONDARY, SECONDARY),
        "Biblioteket / Vuxen": ("<5", "<5", SECONDARY),
        "Simhallen / Kassa": (0, 0, 0.0),
    }
    assert (published.totals.started, published.totals.fte) == (10, 10.0)
    assert_nothing_recoverable(published)


def test_a_small_total_is_withheld_wherever_it_appears() -> None:
    """A workplace's report of three placements: every count of it is small."""
    aggregates = Aggregates(activity=[started("kf", 3)], trend=TrendCounts(started_before=3))
    report = build_report(YEAR, aggregates, REGISTER, {}, REFERENCE)
    published = suppress_report(report, 5)
    assert (published.totals.started, published.totals.fte) == ("<5", SECONDARY)
    assert published.delivery.delivered == "<5"
    assert published.trend[0].active == "<5"
    assert_nothing_recoverable(published)


def test_a_raised_threshold_withholds_more() -> None:
    committees = {g.code: g.started for g in suppress_report(city_report(), 8).by_committee}
    assert (committees["ks"], committees["asn"], committees["kn"]) == ("<8", "<8", "<8")


def test_threshold_one_withholds_nothing() -> None:
    report = random_report(random.Random(1))
    exact = report.model_dump(exclude={"suppression_threshold"})
    published = suppress_report(report, 1)
    assert published.model_dump(exclude={"suppression_threshold"}) == exact


def test_random_reports_show_nothing_small_nor_computable_and_the_rest_exactly() -> None:
    rng = random.Random(20261201)
    for _ in range(60):
        report = random_report(rng)
        exact = report.model_copy(deep=True)
        threshold = rng.choice([3, 5, 10])
        published = suppress_report(report, threshold)
        assert_nothing_recoverable(published)
        _assert_shown_figures_are_exact(exact, published)
        assert Report.model_validate_json(published.model_dump_json()) == published


def _assert_shown_figures_are_exact(report: Report, published: Report) -> None:
    for exact, shown in zip(blocks(report), blocks(published), strict=True):
        for exact_row, shown_row in zip(exact.table().rows, shown.table().rows, strict=True):
            for before, after in zip(exact_row, shown_row, strict=True):
                assert isinstance(after, str) or after == before, exact.name


def random_report(rng: random.Random) -> Report:
    organisations = ["sk", "asf", "kf", "sf", "nyforv"]
    aggregates = Aggregates(
        activity=[
            ActivityCell(
                rng.choice(organisations),
                rng.choice(["extratjanst", "lonebidrag", "nystartsjobb"]),
                rng.choice(["female", "male"]),
                rng.choice(["up_to_24", "25_plus"]),
                *_figures(rng),
            )
            for _ in range(rng.randint(0, 12))
        ],
        ended=[
            EndedCell(
                rng.choice(organisations),
                rng.choice("ABCDE"),
                rng.choice(["female", "male"]),
                rng.choice(["up_to_24", "25_plus"]),
                rng.choice(definitions.DURATION_BUCKETS),
                rng.random() < 0.6,
                rng.randint(1, 9),
            )
            for _ in range(rng.randint(0, 10))
        ],
        days_to_certificate={rng.randint(0, 30): rng.randint(1, 4) for _ in range(3)},
        value_added=[
            ValueAddedCell(stage, "workplace", "forstarkning-av-arbetslaget", rng.randint(0, 9))
            for stage in ("planned", "realised")
        ],
        progression=[
            ProgressionCell(module, progression, rng.randint(0, 9))
            for module in ("sprak", "sociala-fardigheter")
            for progression in definitions.PROGRESSIONS
        ],
        trend=TrendCounts(
            started_before=rng.randint(0, 6),
            started={m: rng.randint(0, 6) for m in range(12)},
            ended={m: rng.randint(0, 3) for m in range(12)},
        ),
    )
    targets = {"ks": rng.randint(1, 20), "asn": rng.randint(1, 20)}
    report = build_report(YEAR, aggregates, REGISTER, targets, REFERENCE)
    workplaces = [WorkplaceCell(f"Arbetsplats {i}", *_figures(rng)) for i in range(4)]
    return report.model_copy(update={"by_workplace": workplace_groups(workplaces, YEAR)})


def _figures(rng: random.Random) -> tuple[Any, ...]:
    started = rng.randint(0, 9)
    active = started + rng.randint(0, 4)
    return started, active, rng.randint(0, active), active * rng.choice([50, 100]) * 200
