"""Running a service process: SIGTERM and SIGINT cancel the main task, so ``finally`` blocks
close connections and the process exits 0 (what Docker, systemd and ``make run`` expect)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable


def run_service(main: Callable[[], Awaitable[None]]) -> None:
    async def supervised() -> None:
        task = asyncio.ensure_future(main())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(supervised())
