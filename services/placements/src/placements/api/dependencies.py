"""What the routes take from ``app.state`` (set by ``bootstrap.build_app``), typed."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from placements.api.idempotency import CommandRunner, IdempotencyKey
from placements.service import handlers
from placements.service.ports import UnitOfWork
from runtime.http.access_log import reader_of
from runtime.http.auth import ADMIN, FORVALTNING, bearer
from runtime.http.auth import Caller as Authenticated
from runtime.http.correlation import correlation_id


async def unit_of_work(request: Request) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = request.app.state.unit_of_work
    return factory


async def context(request: Request) -> handlers.Context:
    ctx: handlers.Context = request.app.state.context
    return ctx


_forvaltning = bearer(FORVALTNING, detail="a valid bearer token for a förvaltning is required")
_forvaltning_or_admin = bearer(
    FORVALTNING, ADMIN, detail="a förvaltning's or an admin's bearer token is required"
)


def _forvaltning_request(
    request: Request, authenticated: Authenticated, correlation: str
) -> handlers.Request:
    return handlers.Request(
        organisation=authenticated.subject,
        correlation_id=correlation,
        reader=reader_of(authenticated, request, correlation),
    )


async def caller(
    request: Request,
    authenticated: Annotated[Authenticated, Depends(_forvaltning)],
    correlation: Annotated[str, Depends(correlation_id)],
) -> handlers.Request:
    return _forvaltning_request(request, authenticated, correlation)


async def city_caller(
    request: Request,
    authenticated: Annotated[Authenticated, Depends(_forvaltning_or_admin)],
    correlation: Annotated[str, Depends(correlation_id)],
) -> handlers.Request:
    """A förvaltning (its own placements) or an admin (every förvaltning's: no organisation)."""
    return handlers.Request(
        organisation=authenticated.subject if authenticated.role == FORVALTNING else "",
        correlation_id=correlation,
        reader=reader_of(authenticated, request, correlation),
    )


UnitOfWorkFactory = Annotated[Callable[[], UnitOfWork], Depends(unit_of_work)]
Context = Annotated[handlers.Context, Depends(context)]
Caller = Annotated[handlers.Request, Depends(caller)]
"""The calling förvaltning (401 without its token) and the request's correlation id."""
CityCaller = Annotated[handlers.Request, Depends(city_caller)]
"""A förvaltning, or an admin (``organisation`` empty: city-wide)."""


async def command_runner(
    request: Request,
    authenticated: Annotated[Authenticated, Depends(_forvaltning)],
    key: IdempotencyKey = None,
) -> CommandRunner:
    """What :data:`Caller`, :data:`Context` and :data:`UnitOfWorkFactory` give, read here
    directly: FastAPI solves each dependency at a cost, on every command."""
    correlation = await correlation_id(request)
    return CommandRunner(
        request,
        _forvaltning_request(request, authenticated, correlation),
        await context(request),
        await unit_of_work(request),
        key,
    )


Run = Annotated[CommandRunner, Depends(command_runner)]
"""Runs a command route's handler in one transaction, once per Idempotency-Key."""
