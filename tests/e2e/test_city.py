"""The whole city end to end: a placement's life goes in through the placements API; a
certificate and the ASF figures come out. Then the real RabbitMQ node is restarted under the
running system, and it carries on by itself."""

from __future__ import annotations

import asyncio
import shutil

import httpx
import pytest

from tests.e2e.conftest import City
from tests.e2e.journeys import certificate_of, live_a_placement, reported
from tests.integration.test_broker_restart import broker_down
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_a_placement_becomes_a_certificate_and_a_figure(city: City) -> None:
    placement_id = await live_a_placement(city, "19950412")
    certificate = await certificate_of(city, placement_id)
    async with httpx.AsyncClient() as client:
        verified = await client.get(
            f"{city.urls['certificates']}/verify/{certificate['id']}",
            headers={"Accept": "application/json"},
        )
    assert verified.status_code == 200
    assert verified.json()["genuine"] is True
    assert verified.json()["status"] == "valid"
    assert verified.json()["name"] == "Amina Hassan"
    assert "19950412" not in verified.text, "verification shows no birth date or number"
    report = await reported(city, ended=1)
    assert report["totals"]["started"] == 1
    assert report["certificates"]["certified"] == 1


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl here")
async def test_the_city_carries_on_after_a_broker_restart(city: City) -> None:
    await live_a_placement(city, "19880101")
    await reported(city, ended=1)
    async with broker_down():
        await asyncio.sleep(1)
    await eventually(city.all_ready, within=120)
    placement_id = await live_a_placement(city, "19900202")
    await certificate_of(city, placement_id)
    report = await reported(city, ended=2)
    assert report["certificates"]["certified"] == 2
