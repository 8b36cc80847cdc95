"""Placement commands per second through real HTTP against the service process as it runs in
production (``python -m placements``: API and relay), outbox included; and the relay's lag
from commit to confirmed publish. The clients run in this process, the service in its own.

Measured in the same run, the two ceilings a command cannot beat:

- ``http_ceiling_per_s``: ``GET /health`` of the same service process (the same server, app
  and middleware stack, no database), from the same clients at the same concurrency;
- ``db_ceiling_per_s``: the same four transactions (use case, unit of work, outbox) run from
  this process on the service's database, at the same concurrency, without HTTP.

``ratio_to_ceiling`` is the commands' rate over the lower of the two."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from bench.common import Sandbox, per_second
from contracts.calendar import city_today
from contracts.reference import load_reference_data
from placements.adapters.unit_of_work import PlacementsUnitOfWork
from placements.domain.model import Placement
from placements.service import commands, handlers
from placements.service.handlers import Context
from runtime.http.auth import token_hash
from runtime.outbox import outbox_backlog
from runtime.postgres import create_pool
from tools.samples import personnummer
from tools.sandbox import free_port

PLACEMENTS = int(os.environ.get("BENCH_PLACEMENTS", "500"))
CLIENTS = 16  # concurrent förvaltning systems
# Dates around the day the benchmark runs: the service refuses a start years back or an end
# after today (its plausibility rules).
START = date.today() - timedelta(days=200)
ASSESSED, END = START + timedelta(days=60), START + timedelta(days=180)


ASSESSMENT = {
    "module": "sprak",
    "level": "B1",
    "assessed_on": ASSESSED.isoformat(),
    "assessor": "handledare",
}
VALUE_ADDED = {"beneficiary": "individual", "category": "arbetslivserfarenhet"}
ENDING = {"end_date": END.isoformat(), "outcome": "A"}
COMMANDS: list[tuple[Callable[..., Awaitable[Placement]], Any]] = [
    (handlers.assess_module, commands.AssessModule.model_validate(ASSESSMENT)),
    (handlers.record_value_added, commands.RecordValueAdded.model_validate(VALUE_ADDED)),
    (handlers.end_placement, commands.EndPlacement.model_validate(ENDING)),
]
"""After the registration, as the HTTP run sends them."""


def registration(i: int) -> dict[str, Any]:
    return {
        "participant": {
            # One person per placement (a second active one would be a 409).
            "personnummer": personnummer(f"1988{1 + i // 1000 % 12:02d}12", f"{i % 1000:03d}"),
            "given_name": "Bench",
            "family_name": f"Person {i}",
        },
        "workplace": {"name": "Stadsbiblioteket"},
        "supervisor": {"name": "Handledare"},
        "placement_type": "extratjanst",
        "role": "Biblioteksassistent",
        "tasks": ["Låna ut böcker"],
        "employment_rate": 75,
        "start_date": START.isoformat(),
        "planned_end_date": (START + timedelta(days=300)).isoformat(),
    }


async def life_of_a_placement(client: httpx.AsyncClient, i: int) -> int:
    """Four commands: register, assess, record mervärde, end."""
    created = await client.post("/placements", json=registration(i))
    created.raise_for_status()
    url = f"/placements/{created.json()['id']}"
    for path, body in (
        ("assessments", ASSESSMENT),
        ("value-added", VALUE_ADDED),
        ("end", ENDING),
    ):
        (await client.post(f"{url}/{path}", json=body)).raise_for_status()
    return 4


async def start_service(box: Sandbox, token: str) -> asyncio.subprocess.Process:
    port = free_port()
    env = {
        **os.environ,
        "PLACEMENTS_AMQP_URL": box.amqp_url,
        "PLACEMENTS_DATABASE_URL": box.database_url,
        "PLACEMENTS_PSEUDONYM_KEY": "bench",
        "PLACEMENTS_CLIENTS": json.dumps({"sf": [token_hash(token)]}),
        "PLACEMENTS_HTTP_PORT": str(port),
        "PLACEMENTS_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "placements", env=env)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/health")).status_code == 200:
                    process.port = port  # type: ignore[attr-defined]
                    return process
            await asyncio.sleep(0.1)
    process.terminate()
    raise RuntimeError("the placements service did not start")


async def measure(box: Sandbox) -> dict[str, Any]:
    token = secrets.token_urlsafe(32)
    service = await start_service(box, token)
    port: int = service.port  # type: ignore[attr-defined]
    try:
        # Saturated: as fast as 16 clients can go. Then paced at a quarter of that rate, to
        # see the relay's lag when the service is not also busy with a full backlog.
        saturated = await drive(port, token, range(PLACEMENTS), rate=None)
        # The ceiling of the stack alone: not while the relay still publishes the backlog the
        # commands left, which it would share the process with.
        await outbox_drained(box)
        http_ceiling = await http_ceiling_per_s(port, token, saturated["commands"])
        paced_from = await database_now(box)
        paced = await drive(
            port,
            token,
            range(PLACEMENTS, PLACEMENTS + PLACEMENTS // 4),
            rate=saturated["commands_per_s"] / 4,
        )
        await outbox_drained(box)
        paced_until = await database_now(box)
    finally:
        service.terminate()
        await service.wait()
    # after the service: its relay is not there to compete with the transactions
    db_from = PLACEMENTS + PLACEMENTS // 4
    db_ceiling = await db_ceiling_per_s(box, range(db_from, db_from + PLACEMENTS))
    lower = min(http_ceiling, db_ceiling)
    return {
        "placements": PLACEMENTS,
        "concurrent_clients": CLIENTS,
        "http_ceiling_per_s": http_ceiling,
        "db_ceiling_per_s": db_ceiling,
        "ratio_to_ceiling": round(saturated["commands_per_s"] / lower, 3),
        "saturated": {**saturated, "relay_lag_ms": await relay_lag(box, until=paced_from)},
        "paced": {
            **paced,
            "relay_lag_ms": await relay_lag(box, since=paced_from, until=paced_until),
        },
    }


async def drive(port: int, token: str, placements: range, rate: float | None) -> dict[str, Any]:
    """Run the placements' lives from CLIENTS concurrent clients; ``rate`` caps commands/s."""
    pending = list(placements)
    interval = 4 / rate if rate else 0.0  # one life is four commands

    async def client_loop() -> int:
        done = 0
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as client:
            while pending:
                started = time.perf_counter()
                done += await life_of_a_placement(client, pending.pop())
                await asyncio.sleep(max(0.0, interval * CLIENTS - (time.perf_counter() - started)))
        return done

    started = time.perf_counter()
    commands = sum(await asyncio.gather(*(client_loop() for _ in range(CLIENTS))))
    return {
        "commands": commands,
        "commands_per_s": per_second(commands, time.perf_counter() - started),
    }


async def http_ceiling_per_s(port: int, token: str, requests: int) -> float:
    """``requests`` trivial requests from CLIENTS clients, as the commands were sent."""
    remaining = requests

    async def client_loop() -> None:
        nonlocal remaining
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as client:
            while remaining > 0:
                remaining -= 1
                (await client.get("/health")).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))
    return per_second(requests, time.perf_counter() - started)


async def db_ceiling_per_s(box: Sandbox, placements: range) -> float:
    """The placements' four commands as the routes run them (use case, unit of work with its
    outbox, commit), from CLIENTS concurrent tasks, without HTTP."""
    context = Context(reference=load_reference_data(), pseudonym_key=b"bench", today=city_today)
    caller = handlers.Request(organisation="sf", correlation_id="bench")
    pool = await create_pool(box.database_url)  # the service's own pool size
    pending = list(placements)

    async def life(i: int) -> int:
        registered = commands.RegisterPlacement.model_validate(registration(i))
        async with PlacementsUnitOfWork(pool) as uow:
            placement = await handlers.register_placement(uow, context, caller, registered)
            await uow.commit()
        for use_case, body in COMMANDS:
            async with PlacementsUnitOfWork(pool) as uow:
                await use_case(uow, context, caller, placement.id, body)
                await uow.commit()
        return 1 + len(COMMANDS)

    async def task() -> int:
        done = 0
        while pending:
            done += await life(pending.pop())
        return done

    try:
        started = time.perf_counter()
        done = sum(await asyncio.gather(*(task() for _ in range(CLIENTS))))
        return per_second(done, time.perf_counter() - started)
    finally:
        await pool.close()


async def database_now(box: Sandbox) -> datetime:
    async with box.pool.acquire() as conn:
        now: datetime = await conn.fetchval("SELECT clock_timestamp()")
        return now


async def outbox_drained(box: Sandbox) -> None:
    while True:
        async with box.pool.acquire() as conn:
            if (await outbox_backlog(conn))[0] == 0:
                return
        await asyncio.sleep(0.05)


async def relay_lag(
    box: Sandbox, since: datetime | None = None, until: datetime | None = None
) -> dict[str, float]:
    """Percentiles of commit (row insert) to broker confirm (row marked), in milliseconds."""
    async with box.pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
                      percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99
                 FROM (SELECT extract(epoch FROM published_at - created_at) * 1000 AS lag
                         FROM outbox
                        WHERE created_at >= coalesce($1, '-infinity'::timestamptz)
                          AND created_at < coalesce($2, 'infinity'::timestamptz)) AS lags""",
            since,
            until,
        )
    assert row is not None
    return {"p50": round(float(row["p50"]), 1), "p99": round(float(row["p99"]), 1)}


if __name__ == "__main__":
    # This figure alone, as ``python -m bench`` measures it (uvloop, its own sandbox).
    import uvloop

    from bench.common import sandbox
    from runtime.logging import configure_logging

    async def alone() -> dict[str, Any]:
        configure_logging("bench", "WARNING", json=False)
        async with sandbox() as box:
            return await measure(box)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        print(json.dumps(runner.run(alone()), indent=2))
