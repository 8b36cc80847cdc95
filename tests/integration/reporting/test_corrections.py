"""Reporting follows corrections and withdrawals, through the real stream and database: the
corrected city's figures are the hand-computed ones, every figure (JSON, export and dashboard,
every period) equals the city recorded right the first time, and a rebuild from the first
offset gives identical figures."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from contracts.events import Envelope
from reporting.stream.rebuild import rebuild
from tests.integration.reporting.conftest import Reporting, running_reporting
from tests.integration.reporting.corrections import CORRECTED_2026, corrections, truth_events
from tests.integration.reporting.scenario import (
    TARGETS_2026,
    Message,
    by_code,
    pick,
    scenario_events,
    unusable_messages,
)
from tests.integration.reporting.test_replay import PERIODS, everything
from tests.support import temporary_database, temporary_vhost

pytestmark = pytest.mark.integration


def as_messages(events: list[Envelope]) -> list[Message]:
    return [Message(e.routing_key, e.model_dump_json().encode()) for e in events]


def corrected_stream() -> list[Message]:
    """The scenario with its corrections and withdrawal, half of them published before the
    events they correct (a correction may overtake its original), and the unusable messages."""
    events = scenario_events()
    fixes = corrections(events)
    return as_messages(fixes[::2] + events + fixes[1::2]) + [m for m, _ in unusable_messages()]


async def consumed(service: Reporting, stream: list[Message]) -> Reporting:
    await service.set_targets(2026, TARGETS_2026)
    await service.publish(stream)
    service.start()
    await service.caught_up()
    return service


@pytest.fixture
async def corrected(reporting: Reporting) -> Reporting:
    return await consumed(reporting, corrected_stream())


@asynccontextmanager
async def truth() -> AsyncIterator[Reporting]:
    """The city recorded right the first time, on a service of its own."""
    async with (
        temporary_vhost() as amqp_url,
        temporary_database() as database_url,
        running_reporting(amqp_url, database_url) as service,
    ):
        yield await consumed(service, as_messages(truth_events()))


async def figures(service: Reporting) -> dict[str, Any]:
    """Every report we can ask for: as JSON, as the suppressed CSV export and as the
    dashboard (each without the time it was made)."""
    reports = [await service.report(**period) for period in PERIODS]
    async with service.client() as client:
        exports = [await page(client, "/report.csv", p) for p in PERIODS]
        pages = [await page(client, "/dashboard", p) for p in PERIODS]
    return {
        "reports": reports,
        "exports": [CREATED.sub("", export) for export in exports],
        "dashboards": [CREATED.sub("", page) for page in pages],
    }


async def page(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> str:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.text


CREATED = re.compile(r"Om rapporten;Skapad;Värde;[^\r\n]*|<footer>Skapad [^·]*")


async def test_the_report_follows_corrections_and_the_withdrawal(corrected: Reporting) -> None:
    report = await corrected.report(kind="year", year=2026)
    want = CORRECTED_2026

    assert report["totals"] == want["totals"]
    types = by_code(report["by_type"])
    for code, expected in want["by_type"].items():
        assert pick(types[code], expected) == expected, code
    committees = by_code(report["delivery"]["committees"], "committee")
    assert {c: committees[c]["delivered"] for c in want["delivered_by_committee"]} == (
        want["delivered_by_committee"]
    )
    assert pick(report["outcomes"], want["outcomes"]) == want["outcomes"]
    assert pick(report["certificates"], want["certificates"]) == want["certificates"]
    progression = by_code(report["progression"], "module")
    for module, expected in want["progression"].items():
        assert pick(progression[module], expected) == expected, module
    value_added = by_code(report["value_added"], "category")
    for category, expected in want["value_added"].items():
        assert pick(value_added[category], expected) == expected, category
    async with corrected.client() as client:
        status = (await client.get("/operations/status")).json()
    assert status["placements"] == 7  # P1–P4, P6–P8: P5 withdrawn, P9 never started


async def test_every_figure_equals_the_city_recorded_right(corrected: Reporting) -> None:
    async with truth() as right_first_time:
        assert await figures(corrected) == await figures(right_first_time)


async def test_a_rebuild_gives_identical_figures(corrected: Reporting) -> None:
    live = await everything(corrected), await figures(corrected)
    await corrected.stop()

    result = await rebuild(corrected.config, corrected.reference)

    assert result.replayed_by == "this process"
    assert (await everything(corrected), await figures(corrected)) == live
