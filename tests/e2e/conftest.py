"""The whole city as processes: the three services (``python -m NAME``) on one vhost, each
with its own database and, as in production, its own least-privilege broker users."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import sys
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import pytest

from contracts.topology import CITY_TOPOLOGY, broker_users, publisher_user_name
from runtime.amqp import declare
from runtime.http.auth import token_hash
from tests.support import eventually
from tools.broker_admin import delete_users, provision_users
from tools.sandbox import AMQP_HOST, free_port, management, temporary_database, unique

SERVICES = ("placements", "certificates", "reporting")
ORGANISATION = "sf"


@dataclass
class City:
    urls: dict[str, str]
    token: str
    """The förvaltning's (placements, certificates)."""
    analyst_token: str
    """An ASF analyst's: the reporting service's reader."""
    environments: dict[str, dict[str, str]]
    """Each process's environment, by name: a service, or ``certificates#2`` for a replica."""
    processes: dict[str, Process] = field(default_factory=dict)
    admin_token: str = ""
    """The city's admin (static token) at placements and certificates; the placements service
    also uses it to ask the certificates service for its part of a register extract."""

    def client(self, service: str) -> httpx.AsyncClient:
        token = self.analyst_token if service.startswith("reporting") else self.token
        return httpx.AsyncClient(
            base_url=self.urls[service],
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    async def start(self, name: str) -> None:
        """Start the process ``name`` (again, after a kill), as a supervisor would."""
        service = name.split("#")[0]
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", service, env=self.environments[name]
        )

    async def add_replica(self, service: str) -> str:
        """Another process of ``service`` on the same database and queues, its own port."""
        name = f"{service}#{sum(n.split('#')[0] == service for n in self.environments) + 1}"
        port = free_port()
        self.environments[name] = {
            **self.environments[service],
            f"{service.upper()}_HTTP_PORT": str(port),
        }
        self.urls[name] = f"http://127.0.0.1:{port}"
        await self.start(name)
        return name

    def kill(self, name: str) -> None:
        """``kill -9``: no shutdown, no goodbye to the broker or the database."""
        self.processes[name].kill()

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.returncode is not None]

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()
        for process in self.processes.values():
            await asyncio.wait_for(process.wait(), 30)

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

    token, analyst_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    clients = json.dumps({ORGANISATION: [token_hash(token)]})
    admin_token = secrets.token_urlsafe(32)
    admins = json.dumps([token_hash(admin_token)])
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
                "PLACEMENTS_ADMINS": admins,
                "PLACEMENTS_CERTIFICATES_URL": f"http://127.0.0.1:{ports['certificates']}",
                "PLACEMENTS_CERTIFICATES_TOKEN": admin_token,
                "PLACEMENTS_ORGANISATION_AMQP_URLS": json.dumps(
                    {ORGANISATION: url_of(publisher_user_name(ORGANISATION))}
                ),
                # the supervisors' app: the demo's sign-in over http, the certificates asked
                # with the förvaltning's own token
                "PLACEMENTS_DEMO_SIGN_IN": "true",
                "PLACEMENTS_SESSION_COOKIE_SECURE": "false",
                "PLACEMENTS_CERTIFICATES_TOKENS": json.dumps({ORGANISATION: token}),
            },
            "certificates": {
                "CERTIFICATES_AMQP_URL": url_of("-certificates"),
                "CERTIFICATES_DECLARE_TOPOLOGY": "false",
                "CERTIFICATES_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "CERTIFICATES_CLIENTS": clients,
                "CERTIFICATES_ADMINS": admins,
                "CERTIFICATES_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['certificates']}",
            },
            "reporting": {
                "REPORTING_AMQP_URL": url_of("-reporting"),
                "REPORTING_ANALYST_TOKEN_HASHES": json.dumps([token_hash(analyst_token)]),
                # the journeys count a few placements and check the report's exact figures;
                # a request raises the threshold where suppression is what is checked
                "REPORTING_SUPPRESSION_THRESHOLD": "1",
            },
        }
        environments = {
            name: {
                **os.environ,
                f"{name.upper()}_DATABASE_URL": databases[name],
                f"{name.upper()}_HTTP_PORT": str(ports[name]),
                f"{name.upper()}_LOG_LEVEL": "WARNING",
                **extra[name],
            }
            for name in SERVICES
        }
        urls = {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
        city = City(urls, token, analyst_token, environments, admin_token=admin_token)
        for name in SERVICES:
            await city.start(name)
        try:
            await eventually(city.all_ready, within=90)
            yield city
        finally:
            await city.stop()
