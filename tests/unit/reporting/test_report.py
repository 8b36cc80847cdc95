"""Assembling the report from grouped counts."""

from __future__ import annotations

from datetime import date

from contracts.organisations import load_register
from contracts.reference import load_reference_data
from reporting.domain.periods import Period
from reporting.domain.report import ActivityCell, Aggregates, EndedCell, TrendCounts, build_report

REGISTER = load_register()
REFERENCE = load_reference_data()


def test_an_organisation_missing_from_the_register_is_still_counted() -> None:
    aggregates = Aggregates(
        activity=[
            ActivityCell("sk", "extratjanst", "female", "25_plus", 1, 2, 1, 100 * 365),
            ActivityCell("nyforv", "extratjanst", "male", "up_to_24", 1, 1, 0, 50 * 365),
        ],
        ended=[EndedCell("nyforv", "A", "male", "up_to_24", "3_to_6", True, 1)],
    )
    report = build_report(Period.calendar_year(2026), aggregates, REGISTER, {"ks": 3}, REFERENCE)
    committees = {g.code: g for g in report.by_committee}
    assert committees["okand"].active == 1
    assert committees["ks"].fte == 1.0
    assert report.totals.fte == 1.5
    administrations = {a.code: a for a in report.by_administration}
    assert administrations["nyforv"].name == "nyforv (saknas i registret)"
    assert administrations["nyforv"].committee == "okand"
    delivery = {d.committee: d for d in report.delivery.committees}
    assert (delivery["ks"].delivered, delivery["ks"].met, delivery["ks"].difference) == (
        2,
        False,
        -1,
    )
    assert delivery["okand"].target is None
    outcomes = {o.code: o for o in report.outcomes.by_committee}
    assert outcomes["okand"].share == 1.0


def test_without_targets_there_is_no_target() -> None:
    report = build_report(Period.calendar_year(2026), Aggregates(), REGISTER, None, REFERENCE)
    assert (report.delivery.target, report.delivery.attainment, report.delivery.target_year) == (
        None,
        None,
        None,
    )
    assert report.totals.active == 0
    assert [m.active for m in report.trend] == [0] * 12
    assert report.certificates.coverage is None


def test_trend_from_histograms() -> None:
    """Two placements before the period (one ends in month 1), one starts in month 2."""
    counts = TrendCounts(
        started_before=2, ended_before=0, started={2: 1}, effective_end={1: 1}, ended={1: 1}
    )
    period = Period.custom(date(2026, 1, 1), date(2026, 3, 31))
    report = build_report(period, Aggregates(trend=counts), REGISTER, None, REFERENCE)
    assert [(m.started, m.active, m.ended, m.delivered_to_date) for m in report.trend] == [
        (0, 2, 0, 2),
        (0, 2, 1, 2),
        (1, 2, 0, 3),
    ]
