"""Throw-away vhosts and databases on the real servers, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import httpx

from runtime.postgres import drop_database, ensure_database

AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1:5672")
AMQP_USER = os.environ.get("TEST_AMQP_USER", "guest")
AMQP_PASSWORD = os.environ.get("TEST_AMQP_PASSWORD", "guest")
MANAGEMENT_URL = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    """A TCP port on this machine that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def management() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=MANAGEMENT_URL, auth=(AMQP_USER, AMQP_PASSWORD), timeout=30)


@asynccontextmanager
async def temporary_vhost() -> AsyncIterator[str]:
    """A fresh vhost with full permissions for the test user; yields its AMQP URL."""
    vhost = unique("test")
    async with management() as api:
        (await api.put(f"/api/vhosts/{vhost}")).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{vhost}/{quote(AMQP_USER)}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()
        try:
            yield f"amqp://{AMQP_USER}:{AMQP_PASSWORD}@{AMQP_HOST}/{vhost}"
        finally:
            await api.delete(f"/api/vhosts/{vhost}")


@asynccontextmanager
async def temporary_database() -> AsyncIterator[str]:
    dsn = f"{POSTGRES_URL}/{unique('test')}"
    await ensure_database(dsn)
    try:
        yield dsn
    finally:
        await drop_database(dsn)
