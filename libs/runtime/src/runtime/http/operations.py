"""What operators and orchestrators ask every service: ``/health`` (the process answers),
``/ready`` (its broker, database and consumers work), ``/metrics`` (Prometheus text)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from faststream.rabbit import RabbitBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[None]]  # raises, with a reason, when something is wrong
CHECK_TIMEOUT = 2.0


def database_check(pool: asyncpg.Pool) -> Check:
    async def database() -> None:
        await pool.fetchval("SELECT 1")

    return database


def broker_check(broker: RabbitBroker) -> Check:
    async def broker_connection() -> None:
        if not await broker.ping(timeout=1.0):
            raise ConnectionError("no connection to the broker")

    return broker_connection


async def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    async def one(check: Check) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await check()
        except Exception as error:  # every failure is an answer here, not a crash
            return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return "ok"

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


router = APIRouter(tags=["operations"])
"""Reads its checks from ``app.state.readiness``."""


@router.get("/health", summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Broker, database and consumers work",
    responses={503: {"description": "Something is not working; `checks` says what."}},
)
async def ready(request: Request) -> JSONResponse:
    results = await run_checks(request.app.state.readiness)
    ok = all(result == "ok" for result in results.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": results},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
