"""``Idempotency-Key``: a retried POST gets the first response, never a second placement.

The response is stored with the command's own changes and events, in one transaction. A key
used again with the same request replays the stored response (``Idempotent-Replayed: true``);
with another request it is a 409. Of concurrent requests with one key, each waits for the key
(a transaction-scoped lock) before it looks, so the later ones find the first one's answer and
replay it: never the error the first one's own success would cause.
"""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request, status
from fastapi.responses import JSONResponse

from placements.api.schemas import PlacementOut
from placements.domain.model import Placement
from placements.service import handlers
from placements.service.commands import Command
from placements.service.ports import StoredResponse, UnitOfWork
from runtime.text import LINE

IdempotencyKey = Annotated[
    Annotated[str, LINE] | None,  # stored as text: no NUL byte, no lone surrogate
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key returns the first response; "
        "the same key with another body is a 409.",
    ),
]

CONFLICT = "Idempotency-Key was already used with a different request"


class IdempotencyConflict(Exception):
    """The key was used before with a different request."""


def fingerprint(request: Request, command: Command) -> str:
    """The request a key stands for: method, path and the validated body."""
    canonical = f"{request.method} {request.url.path} {command.model_dump_json()}"
    return hashlib.sha256(canonical.encode()).hexdigest()


async def respond_once(
    unit_of_work: Callable[[], UnitOfWork],
    caller: handlers.Request,
    key: str | None,
    request_hash: str,
    status_code: int,
    action: Callable[[UnitOfWork], Awaitable[Placement]],
) -> JSONResponse:
    """Run a command in one transaction with its events and, given a key, its response.
    ``request_hash`` is the request's :func:`fingerprint`. The answer carries the participant's
    identity, so its handing out is logged in the same transaction (a replay's too)."""
    organisation = caller.organisation
    async with unit_of_work() as uow:
        if key and (stored := await uow.idempotency.claim(organisation, key)):
            answer = replay(stored, request_hash)
            await uow.access_log.record(caller.access_by_id([uuid.UUID(stored.body["id"])]))
            await uow.commit()
            return answer
        placement = await action(uow)
        # pydantic's own serializer: the same JSON as FastAPI's jsonable_encoder, which walked
        # the dump again in Python (a fifth of a command's CPU)
        body = PlacementOut.of(placement).model_dump(mode="json", by_alias=True)
        if key:
            await uow.idempotency.add(
                organisation, key, StoredResponse(request_hash, status_code, body)
            )
        await uow.access_log.record(caller.access([placement]))
        await uow.commit()
    return respond(body, status_code)


Handler = Callable[[UnitOfWork, handlers.Context, handlers.Request], Awaitable[Placement]]


@dataclass(frozen=True)
class CommandRunner:
    """Everything a command route needs besides its command: who asks, the key, the wiring."""

    request: Request
    caller: handlers.Request
    context: handlers.Context
    unit_of_work: Callable[[], UnitOfWork]
    key: str | None

    async def __call__(
        self, command: Command, handler: Handler, status_code: int = status.HTTP_200_OK
    ) -> JSONResponse:
        """Run ``handler`` for ``command`` once per Idempotency-Key, answering as the first."""
        return await respond_once(
            self.unit_of_work,
            self.caller,
            self.key,
            # the fingerprint only where a key is kept with it
            fingerprint(self.request, command) if self.key else "",
            status_code,
            lambda uow: handler(uow, self.context, self.caller),
        )


def replay(stored: StoredResponse, request_hash: str) -> JSONResponse:
    if stored.request_hash != request_hash:
        raise IdempotencyConflict(CONFLICT)
    response = respond(stored.body, stored.status_code)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def respond(body: dict[str, Any], status_code: int) -> JSONResponse:
    response = JSONResponse(body, status_code=status_code)
    if status_code == status.HTTP_201_CREATED:
        response.headers["Location"] = f"/placements/{body['id']}"
    return response
