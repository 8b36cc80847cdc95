"""The access log over HTTP, the same in every service that holds identity data: the
:class:`~runtime.access_log.Reader` a route hands its use case, and ``GET /access-log``.

(No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.)
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from runtime.access_log import AccessLogFilter, LoggedAccess, Reader
from runtime.http.auth import ADMIN, FORVALTNING, ORGANISATION_ROLES, Caller, bearer
from runtime.http.correlation import correlation_id

ReadLog = Callable[[AccessLogFilter], Awaitable[list[LoggedAccess]]]
"""What ``app.state.read_access_log`` is: a page of the log."""


def reader_of(caller: Caller, request: Request, correlation: str) -> Reader:
    """The reader as the log names it; the action is the route's method and path template."""
    route: Any = request.scope.get("route")
    path = route.path if hasattr(route, "path") else request.url.path  # the URL only if needed
    return Reader(
        who=caller.who,
        role=caller.role,
        organisation=caller.subject if caller.role in ORGANISATION_ROLES else None,
        action=f"{request.method} {path}",
        correlation_id=correlation,
    )


async def public_reader(request: Request) -> Reader:
    """Anyone without sign-in (the public verification page): logged as the public."""
    route = request.scope.get("route")
    return Reader(
        who="public",
        role="public",
        organisation=None,
        action=f"{request.method} {getattr(route, 'path', request.url.path)}",
        correlation_id=await correlation_id(request),
    )


class AccessOut(BaseModel):
    id: int
    at: datetime
    who: str = Field(description="The signed-in user, or the static token's subject.")
    role: str
    organisation: str | None = Field(description="The caller's förvaltning, if it has one.")
    action: str = Field(examples=["GET /placements/{placement_id}"])
    owners: list[str] = Field(description="The förvaltningar whose placements were read.")
    placement_ids: list[uuid.UUID]
    correlation_id: str


class DisclosureOut(BaseModel):
    """A read of the person's data as the register extract tells the person: when, by which
    role of which förvaltning, through which route (not the employee's own identity)."""

    at: datetime
    role: str
    organisation: str | None
    action: str

    @classmethod
    def of(cls, read: LoggedAccess) -> "DisclosureOut":
        return cls(at=read.at, role=read.role, organisation=read.organisation, action=read.action)


class AccessPage(BaseModel):
    items: list[AccessOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page.")


router = APIRouter(tags=["access log"])

LogReader = Annotated[
    Caller,
    Depends(bearer(FORVALTNING, ADMIN, detail="a förvaltning's or an admin's token is required")),
]


@router.get(
    "/access-log",
    response_model=AccessPage,
    responses={
        401: {"description": "No or unknown bearer token."},
        403: {"description": "An access token without the förvaltning or admin role."},
        422: {"description": "A query parameter breaks a rule; `detail` names it."},
    },
    summary="Who read participants' identity data, newest first",
    description="A förvaltning reads the reads of its own placements (by anyone, an admin's "
    "register extract included); an admin reads all. The log is append-only.",
)
async def access_log(
    request: Request,
    caller: LogReader,
    placement_id: uuid.UUID | None = None,
    since: Annotated[AwareDatetime | None, Query(description="On or after (with zone).")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before (with zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int | None, Query(ge=1)] = None,
) -> AccessPage:
    read: ReadLog = request.app.state.read_access_log
    query = AccessLogFilter(
        owner=None if caller.role == ADMIN else caller.subject,
        placement_id=placement_id,
        since=since,
        until=until,
        before=cursor,
        limit=limit,
    )
    rows = await read(query)
    return AccessPage(
        items=[AccessOut(**vars(r)) for r in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )
