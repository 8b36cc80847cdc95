"""The system on a three-node RabbitMQ cluster (``deploy/rabbitmq/cluster.sh``), reached through
a TCP load balancer as production clients would. Under load, one node stops and comes back,
then the node that leads the certificates queue does the same: the quorum queues elect a new
leader, the service reconnects through the balancer, and every placement gets exactly one
certificate, whose event reaches its (replicated) consumer queue. Nothing is dead-lettered.

It starts and stops its own cluster beside the usual node (about half a minute each way)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.topology import CERTIFICATES_PLACEMENT_EVENTS, REPORTING_CITY_STREAM
from tests.integration.certificates.conftest import (
    CERTIFICATE_SINK,
    Service,
    placement,
    running_service,
)
from tests.support import eventually
from tools.forwarder import Forwarder
from tools.sandbox import AMQP_PASSWORD, AMQP_USER, temporary_database, unique

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(600),
    pytest.mark.skipif(shutil.which("rabbitmq-server") is None, reason="needs rabbitmq-server"),
]

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "cluster.sh"
NODES = {f"rabbit-{i}@localhost": i for i in (1, 2, 3)}
MIN_PLACEMENTS = 30


def cluster(*args: str) -> None:
    subprocess.run([str(SCRIPT), *args], check=True, capture_output=True, timeout=300)


def rabbitmqctl(node: str, *args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-n", node, *args], check=True, capture_output=True, text=True, timeout=120
    )
    return done.stdout


@pytest.fixture(scope="module")
async def nodes() -> AsyncIterator[None]:
    await asyncio.to_thread(cluster, "stop")  # what an interrupted run may have left
    await asyncio.to_thread(cluster, "start")
    try:
        yield
    finally:
        await asyncio.to_thread(cluster, "stop")


class Cluster:
    """The cluster as an operator sees it: any live node's management API answers."""

    def __init__(self) -> None:
        self.down: set[str] = set()

    def api(self) -> httpx.AsyncClient:
        live = next(n for n in NODES if n not in self.down)
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{15680 + NODES[live]}",
            auth=(AMQP_USER, AMQP_PASSWORD),
            timeout=30,
        )

    async def queue(self, vhost: str, name: str) -> dict[str, Any]:
        async with self.api() as api:
            info: dict[str, Any] = (await api.get(f"/api/queues/{vhost}/{name}")).json()
        return info

    async def members(self, vhost: str) -> dict[str, list[str]]:
        """Where each queue of ``vhost`` has its replicas (quorum queues and streams)."""
        live = next(n for n in NODES if n not in self.down)
        listed = await asyncio.to_thread(
            rabbitmqctl, live, "list_queues", "-p", vhost, "name", "members", "--formatter", "json"
        )
        return {q["name"]: q["members"] for q in json.loads(listed)}

    async def bounce(self, node: str, seconds: float) -> None:
        """Stop ``node``, keep it down for ``seconds``, start it again."""
        self.down.add(node)
        await asyncio.to_thread(rabbitmqctl, node, "stop_app")
        await asyncio.sleep(seconds)
        await asyncio.to_thread(rabbitmqctl, node, "start_app")
        await asyncio.to_thread(rabbitmqctl, node, "await_startup")
        self.down.discard(node)


async def publish_until(service: Service, done: asyncio.Event) -> int:
    """Placements, one after another, until ``done``; returns how many. As a förvaltning's
    relay does, each one's events are sent until confirmed, again after a failure (the
    consumer's inbox makes a second copy harmless)."""
    published = 0
    while not done.is_set() or published < MIN_PLACEMENTS:
        each = placement()
        while True:
            try:
                await service.publish_placement(each)
                break
            except Exception:  # a node going away shows in many shapes
                await asyncio.sleep(0.5)
        published += 1
        await asyncio.sleep(0.1)
    return published


async def test_nothing_is_lost_when_a_node_and_then_the_leader_stop(nodes: None) -> None:
    del nodes
    rabbit = Cluster()
    balancer = Forwarder(*(f"127.0.0.1:{5680 + i}" for i in NODES.values()))
    await balancer.up()
    vhost = unique("cluster")
    async with rabbit.api() as api:
        (await api.put(f"/api/vhosts/{vhost}")).raise_for_status()
        permissions = {"configure": ".*", "write": ".*", "read": ".*"}
        (
            await api.put(f"/api/permissions/{vhost}/{AMQP_USER}", json=permissions)
        ).raise_for_status()
    amqp_url = f"amqp://{AMQP_USER}:{AMQP_PASSWORD}@127.0.0.1:{balancer.port}/{vhost}"
    queue = CERTIFICATES_PLACEMENT_EVENTS.name
    try:
        async with (
            temporary_database() as database_url,
            running_service(amqp_url, database_url) as service,
        ):
            replicas = await rabbit.members(vhost)
            for replicated in (queue, CERTIFICATE_SINK.name, REPORTING_CITY_STREAM.name):
                assert sorted(replicas[replicated]) == sorted(NODES), replicated
            faults_done = asyncio.Event()
            load = asyncio.create_task(publish_until(service, faults_done))
            await asyncio.sleep(1)
            leader = (await rabbit.queue(vhost, queue))["leader"]
            follower = next(n for n in NODES if n != leader)
            await rabbit.bounce(follower, 3)
            leader = (await rabbit.queue(vhost, queue))["leader"]
            await rabbit.bounce(leader, 3)
            new_leader = (await rabbit.queue(vhost, queue))["leader"]
            faults_done.set()
            placements = await load

            async def all_certified() -> bool:
                return await service.count("SELECT count(*) FROM certificates") == placements

            await eventually(all_certified, within=120)
            issued = {e["payload"]["certificate_id"] for e in await service.published()}
            assert len(issued) == placements, "every CertificateIssued reached its consumer queue"
            assert await service.dead_letters() == []
            print(
                f"{placements} placements; stopped {follower}, then the leader {leader}; "
                f"the queue is led by {new_leader} now"
            )
    finally:
        await balancer.down()
        async with rabbit.api() as api:
            await api.delete(f"/api/vhosts/{vhost}")
