from __future__ import annotations

from datetime import date

import pytest

from reporting.domain.periods import Period, PeriodError, PeriodKind, resolve


def test_year_interim_tertials_and_months() -> None:
    assert (Period.calendar_year(2024).start, Period.calendar_year(2024).days) == (
        date(2024, 1, 1),
        366,
    )
    interim = Period.interim(2026)
    assert (interim.start, interim.end, interim.days) == (date(2026, 1, 1), date(2026, 8, 31), 243)
    assert [(t.start, t.end) for t in (Period.tertial(2026, n) for n in (1, 2, 3))] == [
        (date(2026, 1, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 12, 31)),
    ]
    assert Period.month(2024, 2).end == date(2024, 2, 29)
    assert Period.month(2026, 3).label == "Mars 2026"


def test_months_are_cut_to_the_period() -> None:
    months = Period.custom(date(2025, 12, 15), date(2026, 2, 3)).months()
    assert [(m.start, m.end) for m in months] == [
        (date(2025, 12, 15), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 3)),
    ]
    assert len(Period.calendar_year(2026).months()) == 12


def test_overlap_and_year() -> None:
    march = Period.month(2026, 3)
    assert march.overlap_days(date(2026, 2, 20), date(2026, 3, 10)) == 10
    assert march.overlap_days(date(2026, 4, 1), date(2026, 5, 1)) == 0
    assert march.year == 2026
    assert Period.custom(date(2025, 12, 1), date(2026, 1, 1)).year is None


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        (PeriodKind.MONTH, {"year": 2026, "month": 13}, "month must be"),
        (PeriodKind.MONTH, {"year": 2026}, "needs month"),
        (PeriodKind.TERTIAL, {"year": 2026, "tertial": 4}, "tertial must be"),
        (PeriodKind.TERTIAL, {"year": 2026}, "needs tertial"),
        (PeriodKind.YEAR, {}, "needs a year"),
        (PeriodKind.YEAR, {"year": 1999}, "year must be"),
        (PeriodKind.CUSTOM, {"start": date(2026, 1, 2)}, "needs both"),
        (PeriodKind.CUSTOM, {"start": date(2026, 1, 2), "end": date(2026, 1, 1)}, "before"),
        (PeriodKind.CUSTOM, {"start": date(2000, 1, 1), "end": date(2090, 1, 1)}, "at most"),
    ],
)
def test_impossible_periods_say_why(
    kind: PeriodKind, params: dict[str, object], message: str
) -> None:
    with pytest.raises(PeriodError, match=message):
        resolve(kind, **params)  # type: ignore[arg-type]
