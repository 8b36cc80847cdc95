"""The charts are well-formed SVG with one valued bar per row; names are escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reporting.presentation import charts
from reporting.schemas import Delivery, TrendMonth

SVG = "{http://www.w3.org/2000/svg}"


def bars(markup: str) -> list[str]:
    root = ET.fromstring(markup)
    return [
        e.attrib["data-value"]
        for e in root.iter(f"{SVG}rect")
        if "bar" in e.attrib.get("class", "").split()
    ]


def test_delivery_chart_escapes_names_and_marks_targets() -> None:
    rows = [
        Delivery(
            committee="a",
            name="Kultur & <fritid>",
            delivered=3,
            target=5,
            difference=-2,
            attainment=0.6,
            met=False,
        ),
        Delivery(
            committee="b",
            name="B",
            delivered=0,
            target=None,
            difference=None,
            attainment=None,
            met=None,
        ),
    ]
    markup = str(charts.delivery_chart(rows))
    assert bars(markup) == ["3", "0"]
    assert "Kultur &amp; &lt;fritid&gt;" in markup
    assert 'class="target" data-value="5"' in markup
    assert "3 av 5 (60,0\u00a0%)" in markup


def test_trend_chart_has_a_bar_per_month() -> None:
    months = [
        TrendMonth(
            month=f"2026-{m:02d}",
            label=str(m),
            started=1,
            active=m,
            ended=0,
            delivered_to_date=m + 1,
        )
        for m in range(1, 13)
    ]
    markup = str(charts.trend_chart(months, target=20))
    assert bars(markup) == [str(m) for m in range(1, 13)]
    assert "Mål för året" in markup


def test_numbers_in_swedish() -> None:
    assert charts.number(1500) == "1\u202f500"
    assert charts.number(1.5, 2) == "1,50"
    assert charts.percent(0.875) == "87,5\u00a0%"
    assert charts.nice_ceiling(7) == 10
    assert charts.nice_ceiling(1500) == 2000
    assert charts.nice_ceiling(0) == 1
