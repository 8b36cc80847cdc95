"""Running a service process: SIGTERM and SIGINT cancel the main task, so ``finally`` blocks
close connections and the process exits 0 (what Docker, systemd and ``make run`` expect)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import uvicorn
import uvloop


def run_service(main: Callable[[], Awaitable[None]]) -> None:
    async def supervised() -> None:
        task = asyncio.ensure_future(main())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # uvloop: the services spend much of their time in socket I/O, where it is far cheaper.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(supervised())


async def serve_http(
    app: Any, host: str, port: int, *, background: Sequence[Coroutine[Any, Any, None]] = ()
) -> None:
    """Serve ``app`` with uvicorn while ``background`` tasks (relay, consumers) run beside it.
    uvicorn shuts down gracefully on SIGINT/SIGTERM; the background tasks are cancelled then.
    If a background task fails, the server stops too, so the process exits and is restarted."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            loop="none",  # run on the loop run_service made
            lifespan="off",  # start-up and shut-down live in the service's main()
            http="httptools",
            log_config=None,
            access_log=False,
        )
    )
    tasks = [asyncio.ensure_future(coroutine) for coroutine in background]

    def stop_server(task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            server.should_exit = True

    for task in tasks:
        task.add_done_callback(stop_server)
    try:
        await server.serve()
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result
