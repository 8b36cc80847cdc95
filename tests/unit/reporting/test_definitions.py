from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from reporting.domain import definitions as d


def test_add_months_clamps_like_postgresql() -> None:
    assert d.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert d.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert d.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert d.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("start", "end", "bucket"),
    [
        (date(2026, 1, 1), date(2026, 3, 30), "under_3"),  # one day short of three months
        (date(2026, 1, 1), date(2026, 3, 31), "3_to_6"),  # exactly three months
        (date(2026, 1, 1), date(2026, 6, 30), "3_to_6"),  # exactly six months
        (date(2026, 1, 1), date(2026, 7, 1), "6_to_24"),
        (date(2026, 1, 1), date(2027, 12, 31), "6_to_24"),  # exactly 24 months
        (date(2026, 1, 1), date(2028, 1, 1), "over_24"),
        (date(2026, 1, 31), date(2026, 4, 28), "under_3"),
        (date(2026, 1, 31), date(2026, 4, 29), "3_to_6"),  # Jan 31 + 3 months = Apr 30
        (date(2026, 5, 5), date(2026, 5, 5), "under_3"),  # a single day
    ],
)
def test_duration_buckets(start: date, end: date, bucket: str) -> None:
    assert d.duration_bucket(start, end) == bucket


def test_progression() -> None:
    assert d.progression(1, 3, 2) == "improved"
    assert d.progression(2, 2, 5) == "same"
    assert d.progression(3, 0, 2) == "declined"
    assert d.progression(2, 2, 1) == "single"


def test_nearest_rank_percentiles() -> None:
    assert d.percentile({}, 50) is None
    assert d.percentile({10: 1, 20: 1, 30: 1}, 50) == 20
    assert d.percentile({10: 1, 20: 1, 30: 1}, 90) == 30
    assert d.percentile({5: 1}, 90) == 5
    values = dict.fromkeys(range(1, 11), 1)  # 1..10
    assert (d.percentile(values, 50), d.percentile(values, 90)) == (5, 9)
    assert d.percentile({3: 9, 100: 1}, 90) == 3


def test_fte_and_share() -> None:
    assert d.fte(100 * 365, 365) == 1
    assert d.fte(50 * 181, 365) == Fraction(9050, 36500)
    assert d.share(1, 3) == 0.3333
    assert d.share(1, 0) is None


def test_certificate_status() -> None:
    issued, later = date(2026, 5, 1), date(2026, 5, 9)
    assert d.certificate_status([]) == (False, None)
    assert d.certificate_status([(issued, False, False)]) == (True, issued)
    # revoked without replacement: not covered
    assert d.certificate_status([(issued, True, False)]) == (False, None)
    # superseded by a corrected one: covered since the first issue
    assert d.certificate_status([(issued, True, True), (later, False, False)]) == (True, issued)
    # the replacement revoked too: nothing valid left
    assert d.certificate_status([(issued, True, True), (later, True, False)]) == (False, None)
    # revocation known, issue not yet: nothing to count
    assert d.certificate_status([(None, True, True)]) == (False, None)
