"""The city's calendar: dates on certificates, in reports and in the plausibility rules are
Swedish calendar days, whatever time zone a server runs in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CITY_TIME = ZoneInfo("Europe/Stockholm")


def city_today() -> date:
    """The calendar day in Sweden now."""
    return datetime.now(CITY_TIME).date()
