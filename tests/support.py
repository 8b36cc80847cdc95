"""Helpers for tests against the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tools.samples import placement_started
from tools.sandbox import temporary_database, temporary_vhost

__all__ = ["eventually", "placement_started", "temporary_database", "temporary_vhost"]


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, interval: float = 0.05
) -> None:
    """Wait until ``check`` is true; fail the test with a clear message otherwise."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s: {check.__name__}")
        await asyncio.sleep(interval)
