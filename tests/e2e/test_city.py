"""The whole city end to end, as processes: the three services (``python -m NAME``) on one
vhost, each with its own database and, as in production, its own least-privilege broker
users. A placement's life goes in through the placements API; a certificate and the ASF
figures come out. Then the real RabbitMQ node is restarted under the running system, and it
carries on by itself."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from contracts.topology import CITY_TOPOLOGY, broker_users, publisher_user_name
from runtime.amqp import declare
from runtime.http.auth import token_hash
from tests.integration.placements.conftest import registration
from tests.integration.test_broker_restart import broker_down
from tests.support import eventually
from tools.broker_admin import delete_users, provision_users
from tools.samples import personnummer
from tools.sandbox import AMQP_HOST, free_port, management, temporary_database, unique

pytestmark = pytest.mark.integration

SERVICES = ("placements", "certificates", "reporting")
ORGANISATION = "sf"


@dataclass
class City:
    urls: dict[str, str]
    token: str

    def client(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.urls[service],
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    async def all_ready(self) -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            for url in self.urls.values():
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/ready")).status_code == 200:
                        continue
                return False
        return True


@pytest.fixture
async def city(amqp_url: str) -> AsyncIterator[City]:
    vhost = amqp_url.rsplit("/", 1)[1]
    await declare(amqp_url, CITY_TOPOLOGY)
    users = broker_users([ORGANISATION], prefix=f"{unique('e2e')}-")
    passwords = {u.name: secrets.token_urlsafe(16) for u in users}

    def url_of(suffix: str) -> str:
        [name] = [u.name for u in users if u.name.endswith(suffix)]
        return f"amqp://{quote(name)}:{passwords[name]}@{AMQP_HOST}/{vhost}"

    token = secrets.token_urlsafe(32)
    clients = json.dumps({ORGANISATION: [token_hash(token)]})
    ports = {name: free_port() for name in SERVICES}
    async with management() as api, AsyncExitStack() as stack:
        await provision_users(api, vhost, users, passwords)
        stack.push_async_callback(delete_users, api, users)
        databases = {
            name: await stack.enter_async_context(temporary_database()) for name in SERVICES
        }
        extra: dict[str, dict[str, str]] = {
            "placements": {
                "PLACEMENTS_AMQP_URL": amqp_url,  # for orgs without a user of their own
                "PLACEMENTS_PSEUDONYM_KEY": secrets.token_urlsafe(16),
                "PLACEMENTS_CLIENTS": clients,
                "PLACEMENTS_ORGANISATION_AMQP_URLS": json.dumps(
                    {ORGANISATION: url_of(publisher_user_name(ORGANISATION))}
                ),
            },
            "certificates": {
                "CERTIFICATES_AMQP_URL": url_of("-certificates"),
                "CERTIFICATES_DECLARE_TOPOLOGY": "false",
                "CERTIFICATES_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "CERTIFICATES_CLIENTS": clients,
                "CERTIFICATES_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['certificates']}",
            },
            "reporting": {"REPORTING_AMQP_URL": url_of("-reporting")},
        }
        processes = []
        for name in SERVICES:
            prefix = name.upper()
            env = {
                **os.environ,
                f"{prefix}_DATABASE_URL": databases[name],
                f"{prefix}_HTTP_PORT": str(ports[name]),
                f"{prefix}_LOG_LEVEL": "WARNING",
                **extra[name],
            }
            processes.append(
                await asyncio.create_subprocess_exec(sys.executable, "-m", name, env=env)
            )
        city = City({n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, token)
        try:
            await eventually(city.all_ready, within=90)
            yield city
        finally:
            for process in processes:
                if process.returncode is None:
                    process.terminate()
            for process in processes:
                await asyncio.wait_for(process.wait(), 30)


async def live_a_placement(city: City, born: str) -> str:
    """Register, assess twice, record mervärde and end: returns the placement id."""
    body = registration()
    body["participant"]["personnummer"] = personnummer(born, "384")
    async with city.client("placements") as placements:
        created = await placements.post("/placements", json=body)
        assert created.status_code == 201, created.text
        url = f"/placements/{created.json()['id']}"
        for day, level in (("2026-02-01", "A2"), ("2026-06-01", "B1")):
            round_ = {
                "assessed_on": day,
                "assessor": "handledare",
                "modules": [{"module": "sprak", "level": level, "comment": "Bra framsteg."}],
            }
            assert (await placements.post(f"{url}/assessment-rounds", json=round_)).is_success
        assert (
            await placements.post(
                f"{url}/value-added",
                json={"beneficiary": "individual", "category": "sprakutveckling"},
            )
        ).is_success
        ended = await placements.post(f"{url}/end", json={"end_date": "2026-06-30", "outcome": "A"})
        assert ended.status_code == 200, ended.text
    return str(created.json()["id"])


async def certificate_of(city: City, placement_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def issued() -> bool:
        async with city.client("certificates") as certificates:
            response = await certificates.get(f"/placements/{placement_id}/certificates")
        if response.status_code == 200 and response.json()["certificates"]:
            found.update(response.json()["certificates"][0])
            return True
        return False

    await eventually(issued, within=60)
    return found


async def reported(city: City, ended: int) -> dict[str, Any]:
    report: dict[str, Any] = {}

    async def counted() -> bool:
        async with city.client("reporting") as reporting:
            response = await reporting.get("/report", params={"kind": "year", "year": 2026})
        report.update(response.json())
        return bool(response.status_code == 200 and report["totals"]["ended"] == ended)

    await eventually(counted, within=60)
    return report


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
