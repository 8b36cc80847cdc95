"""What the routes take from ``app.state`` (set by :func:`certificates.bootstrap.build_app`)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from certificates.service.context import Context
from certificates.service.ports import UnitOfWork
from runtime.http.correlation import correlation_id


async def unit_of_work(request: Request) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = request.app.state.unit_of_work
    return factory


async def context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


UnitOfWorkFactory = Annotated[Callable[[], UnitOfWork], Depends(unit_of_work)]
"""A fresh unit of work per call: one transaction."""
ServiceContext = Annotated[Context, Depends(context)]
CorrelationId = Annotated[str, Depends(correlation_id)]
