"""Helpers for tests against the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import aio_pika

from tools.samples import placement_started
from tools.sandbox import management, temporary_database, temporary_vhost

__all__ = [
    "drain",
    "eventually",
    "placement_started",
    "temporary_database",
    "temporary_vhost",
]


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, interval: float = 0.05
) -> None:
    """Wait until ``check`` is true; fail the test with a clear message otherwise."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s: {check.__name__}")
        await asyncio.sleep(interval)


async def drain(amqp_url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Everything currently in ``queue``, acknowledged."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        q = await (await connection.channel()).get_queue(queue)
        messages = []
        while (message := await q.get(fail=False, no_ack=True)) is not None:
            messages.append(message)
        return messages


async def close_connections(vhost: str) -> int:
    """Close every connection to ``vhost``, as a broker restart would; how many it closed."""
    async with management() as api:
        listed = await api.get(f"/api/vhosts/{vhost}/connections")
        closed = 0
        for connection in listed.json() if listed.status_code == 200 else []:
            response = await api.delete(
                f"/api/connections/{quote(connection['name'], safe='')}",
                headers={"X-Reason": "test: the broker goes away"},
            )
            closed += response.status_code == 204
        return closed
