"""Faults are normal. While förvaltningar keep registering and ending placements, every
service is killed with SIGKILL, the RabbitMQ node restarts and PostgreSQL crashes and stays
down for 20 seconds; two certificates replicas compete for the same queues. Afterwards
nothing is lost, duplicated or stuck: every placement has exactly one valid certificate, no
message is dead-lettered, ASF's figures equal what was done, and no service exited by itself.

It stops the shared RabbitMQ node and PostgreSQL cluster, so other tests running at the same
moment see them go away (as in ``tests/integration/test_broker_restart.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import City
from tests.integration.placements.conftest import participant, registration
from tests.integration.test_broker_restart import broker_down
from tests.support import eventually
from tools.sandbox import management

PLACEMENTS = 160
WORKERS = 4
PACE_SECONDS = 0.6  # between one worker's placements: the load outlasts the faults
DATABASE_DOWN_SECONDS = 20

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl here"),
    pytest.mark.skipif(
        shutil.which("pg_ctlcluster") is None, reason="needs pg_ctlcluster to crash PostgreSQL"
    ),
]


def postgres(action: str, *options: str) -> None:
    [version] = [p.name for p in Path("/etc/postgresql").iterdir()]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *options],
        check=True,
        capture_output=True,
        timeout=120,
    )


@dataclass
class Load:
    """Förvaltning staff at work: each placement registered, then ended, retried with its
    Idempotency-Key through every fault, as a client should."""

    city: City
    ended: set[str] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)
    retries: int = 0

    async def run(self) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(PLACEMENTS):
            queue.put_nowait(index)
        await asyncio.gather(*(self._worker(queue) for _ in range(WORKERS)))

    async def _worker(self, queue: asyncio.Queue[int]) -> None:
        async with self.city.client("placements") as client:
            while not queue.empty():
                index = queue.get_nowait()
                body = registration(participant=participant(index))
                created = await self._until_answered(client, "/placements", body, f"reg-{index}")
                url = f"/placements/{created['id']}/end"
                end = {"end_date": "2026-06-30", "outcome": "A"}
                await self._until_answered(client, url, end, f"end-{index}")
                self.ended.add(str(created["id"]))
                await asyncio.sleep(PACE_SECONDS)

    async def _until_answered(
        self, client: httpx.AsyncClient, url: str, body: dict[str, Any], key: str
    ) -> dict[str, Any]:
        while True:
            with contextlib.suppress(httpx.TransportError):
                response = await client.post(url, json=body, headers={"Idempotency-Key": key})
                if response.status_code < 500:
                    assert response.is_success, response.text
                    answer: dict[str, Any] = response.json()
                    return answer
                if response.status_code != 503:
                    self.server_errors.append(f"{response.status_code} {response.text[:200]}")
            self.retries += 1
            await asyncio.sleep(0.5)


@dataclass
class Faults:
    city: City
    recovered_in: dict[str, float] = field(default_factory=dict)

    async def run(self) -> None:
        for name in ("placements", "certificates", "reporting"):
            await asyncio.sleep(2)
            await self._recovery(f"kill -9 {name}", functools.partial(self._kill_and_restart, name))
        await asyncio.sleep(2)
        await self._recovery("broker restart", self._broker_restart)
        await asyncio.sleep(2)
        await self._recovery("postgres crash", self._database_crash)

    async def _recovery(self, fault: str, act: Callable[[], Awaitable[None]]) -> None:
        """How long from the fault until every process is ready again."""
        started = time.monotonic()
        await act()
        await eventually(self.city.all_ready, within=180)
        self.recovered_in[fault] = round(time.monotonic() - started, 1)

    async def _kill_and_restart(self, name: str) -> None:
        self.city.kill(name)
        await self.city.processes[name].wait()
        await asyncio.sleep(1)  # a supervisor's pause
        await self.city.start(name)

    async def _broker_restart(self) -> None:
        async with broker_down():
            await asyncio.sleep(3)

    async def _database_crash(self) -> None:
        await asyncio.to_thread(postgres, "stop", "-m", "immediate")
        try:
            await asyncio.sleep(DATABASE_DOWN_SECONDS)
        finally:
            await asyncio.to_thread(postgres, "start")


async def dead_letters(city: City) -> dict[str, int]:
    vhost = city.environments["certificates"]["CERTIFICATES_AMQP_URL"].rsplit("/", 1)[1]
    async with management() as api:
        queues = (await api.get(f"/api/queues/{vhost}")).json()
    return {q["name"]: q.get("messages", 0) for q in queues if q["name"].endswith("dead-letter")}


async def certificates_per_placement(city: City, placement_ids: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    async with city.client("certificates") as client:
        for placement_id in placement_ids:
            response = await client.get(f"/placements/{placement_id}/certificates")
            certificates = response.json().get("certificates", []) if response.is_success else []
            found[placement_id] = [c["status"] for c in certificates]
    return found


async def test_nothing_lost_duplicated_or_stuck_through_every_fault(city: City) -> None:
    await city.add_replica("certificates")
    await eventually(city.all_ready, within=60)
    load, faults = Load(city), Faults(city)
    started = time.monotonic()
    await asyncio.gather(load.run(), faults.run())
    load_seconds = round(time.monotonic() - started, 1)
    assert len(load.ended) == PLACEMENTS
    assert load.server_errors == [], "only 503s while a dependency is away"

    async def one_valid_certificate_each() -> bool:
        found = await certificates_per_placement(city, load.ended)
        return all(statuses == ["valid"] for statuses in found.values())

    await eventually(one_valid_certificate_each, within=180)

    async def reported() -> bool:
        async with city.client("reporting") as client:
            report = (await client.get("/report", params={"kind": "year", "year": 2026})).json()
        totals, certified = report["totals"], report["certificates"]["certified"]
        return bool(totals["started"] == totals["ended"] == certified == PLACEMENTS)

    await eventually(reported, within=180)
    assert set((await dead_letters(city)).values()) <= {0}
    assert city.exited() == [], "a service exited by itself"
    print(  # the run's summary, for whoever reads the test log
        json.dumps(
            {
                "placements": PLACEMENTS,
                "load_seconds": load_seconds,
                "client_retries": load.retries,
                "recovered_in_seconds": faults.recovered_in,
                "checks": "one valid certificate each, no dead letters, exact report",
            }
        )
    )
