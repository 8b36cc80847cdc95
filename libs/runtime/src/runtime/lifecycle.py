"""Running a service process: SIGTERM and SIGINT cancel the main task, so ``finally`` blocks
close connections and the process exits 0 (what Docker, systemd and ``make run`` expect).

A service's ``bootstrap.py`` is an async context manager that builds everything and yields a
:class:`Service`; its ``__main__`` is ``run(bootstrap)``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import uvicorn
import uvloop

from runtime.amqp import BROKER_ERRORS
from runtime.logging import configure_logging, get_logger
from runtime.outbox import OutboxRelay, Publisher
from runtime.postgres import (
    MigrationSource,
    create_pool,
    ensure_database,
    migrate,
    unreachable,
)
from runtime.settings import ServiceSettings

Background = Callable[[], Coroutine[Any, Any, None]]

RESTART_BACKOFF = 0.5
RESTART_BACKOFF_MAX = 15.0

log = get_logger(__name__)


@dataclass(frozen=True)
class Service:
    """A built service: its HTTP app, where it listens, and the tasks that run beside it
    (relay, consumers, watchdog, monitors) for as long as the server does."""

    app: Any
    host: str
    port: int
    background: Sequence[Background] = ()


def run(bootstrap: Callable[[], AbstractAsyncContextManager[Service]]) -> None:
    """The whole process: build, serve until SIGTERM or a background task fails, tear down.

    A database or broker that cannot be reached, at start-up or later, is waited for: the
    service is torn down and built again after a back-off, in the same process, for as long
    as it takes. Anything else (a bug, a bad setting) still ends the process."""

    async def main() -> None:
        async with bootstrap() as service:
            await serve_http(
                service.app,
                service.host,
                service.port,
                background=[task() for task in service.background],
            )

    run_service(functools.partial(_again_while_unreachable, main))


async def _again_while_unreachable(main: Callable[[], Awaitable[None]]) -> None:
    attempt = 0
    while True:
        try:
            return await main()
        except Exception as error:
            if not (unreachable(error) or isinstance(error, BROKER_ERRORS)):
                raise
            attempt += 1
            delay = min(RESTART_BACKOFF * 2 ** (attempt - 1), RESTART_BACKOFF_MAX)
            log.warning(
                "a dependency is unreachable; starting again",
                error=repr(error),
                retry_in=delay,
                attempt=attempt,
            )
            await asyncio.sleep(delay)


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


@asynccontextmanager
async def service_database(
    settings: ServiceSettings, migrations: Sequence[MigrationSource]
) -> AsyncIterator[asyncpg.Pool]:
    """The service's own database: created if missing, migrated, pooled."""
    dsn = settings.database_url.get_secret_value()
    await ensure_database(dsn)
    pool = await create_pool(dsn)
    try:
        await migrate(pool, migrations)
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def outbox_relay(
    settings: ServiceSettings, publisher: Publisher
) -> AsyncIterator[OutboxRelay]:
    """A relay with connections of its own, so it never queues behind API requests or
    consumers for one, woken by NOTIFY on a dedicated listening connection."""
    dsn = settings.database_url.get_secret_value()
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        yield OutboxRelay(
            pool, publisher, poll_interval=settings.outbox_poll_seconds, listen_dsn=dsn
        )
    finally:
        await pool.close()


def serve_or_erase(
    argv: list[str] | None,
    *,
    doc: str,
    prog: str,
    settings: ServiceSettings,
    bootstrap: Callable[[], AbstractAsyncContextManager[Service]],
    erase_expired: Callable[[], Coroutine[Any, Any, Any]],
) -> None:
    """The command line of a service that holds identity data: ``serve`` (the default) runs
    it; ``erase-expired`` runs its retention job once and prints the run (a dataclass) as
    JSON, or ``{"skipped": true}`` where another runner held the job."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "erase-expired"])
    if parser.parse_args(argv).command == "serve":
        run(bootstrap)
        return
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    done = asyncio.run(erase_expired())
    print(json.dumps(dataclasses.asdict(done) if done else {"skipped": True}, default=str))
