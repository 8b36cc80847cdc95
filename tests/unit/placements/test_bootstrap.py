"""The composition root: no start without the pseudonym key; the plausibility settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr, ValidationError

from contracts.calendar import city_today
from placements.bootstrap import MissingSecret, bootstrap, plausibility
from placements.domain.plausibility import Plausibility
from placements.settings import PlacementsSettings


async def test_no_pseudonym_key_no_service() -> None:
    # An unreachable database: the refusal comes before any connection is tried.
    settings = PlacementsSettings(
        pseudonym_key=None, database_url=SecretStr("postgresql://nobody@127.0.0.1:1/none")
    )
    with pytest.raises(MissingSecret, match="PLACEMENTS_PSEUDONYM_KEY"):
        async with bootstrap(settings):
            pass


def test_the_plausibility_windows_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "START_YEARS_BACK": "2",
        "START_MONTHS_AHEAD": "1",
        "ASSESSMENT_GRACE_DAYS": "10",
        "MIN_AGE": "18",
        "MAX_AGE": "65",
    }.items():
        monkeypatch.setenv(f"PLACEMENTS_{name}", value)
    assert plausibility(PlacementsSettings()) == Plausibility(2, 1, 10, 18, 65)
    assert plausibility(PlacementsSettings.model_construct()) == Plausibility()  # defaults


def test_ages_out_of_order_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLACEMENTS_MIN_AGE", "70")
    with pytest.raises(ValidationError, match="PLACEMENTS_MIN_AGE"):
        PlacementsSettings()


def test_today_is_the_day_in_sweden() -> None:
    assert city_today() == datetime.now(ZoneInfo("Europe/Stockholm")).date()
