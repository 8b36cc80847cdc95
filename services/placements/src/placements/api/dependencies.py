"""What the routes take from ``app.state`` (set by ``bootstrap.build_app``), typed."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from placements.api.idempotency import CommandRunner, IdempotencyKey
from placements.service import handlers
from placements.service.ports import UnitOfWork
from runtime.http.auth import Organisation
from runtime.http.correlation import correlation_id


async def unit_of_work(request: Request) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = request.app.state.unit_of_work
    return factory


async def context(request: Request) -> handlers.Context:
    ctx: handlers.Context = request.app.state.context
    return ctx


async def caller(
    organisation: Organisation, correlation: Annotated[str, Depends(correlation_id)]
) -> handlers.Request:
    return handlers.Request(organisation=organisation, correlation_id=correlation)


UnitOfWorkFactory = Annotated[Callable[[], UnitOfWork], Depends(unit_of_work)]
Context = Annotated[handlers.Context, Depends(context)]
Caller = Annotated[handlers.Request, Depends(caller)]
"""The calling förvaltning (401 without its token) and the request's correlation id."""


async def command_runner(
    request: Request,
    caller: Caller,
    ctx: Context,
    factory: UnitOfWorkFactory,
    key: IdempotencyKey = None,
) -> CommandRunner:
    return CommandRunner(request, caller, ctx, factory, key)


Run = Annotated[CommandRunner, Depends(command_runner)]
"""Runs a command route's handler in one transaction, once per Idempotency-Key."""
