"""``Idempotency-Key``: a retried POST gets the first response, never a second placement.

The response is stored with the command's own changes and events, in one transaction. A key
used again with the same request replays the stored response (``Idempotent-Replayed: true``);
with another request it is a 409. Of two concurrent requests with one key, the second waits
for the first to commit and then answers as it did.
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from placements.api.schemas import PlacementOut
from placements.domain.errors import OverlappingPlacement, PlacementIsWithdrawn, RuleViolation
from placements.domain.model import Placement
from placements.service import handlers
from placements.service.commands import Command
from placements.service.ports import KeyAlreadyUsed, StoredResponse, UnitOfWork
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
    organisation: str,
    key: str | None,
    request_hash: str,
    status_code: int,
    action: Callable[[UnitOfWork], Awaitable[Placement]],
) -> JSONResponse:
    """Run a command in one transaction with its events and, given a key, its response.
    ``request_hash`` is the request's :func:`fingerprint`."""
    try:
        async with unit_of_work() as uow:
            if key and (stored := await uow.idempotency.get(organisation, key)):
                return replay(stored, request_hash)
            placement = await action(uow)
            body = jsonable_encoder(PlacementOut.of(placement))
            if key:
                await uow.idempotency.add(
                    organisation, key, StoredResponse(request_hash, status_code, body)
                )
            await uow.commit()
    except (KeyAlreadyUsed, RuleViolation, OverlappingPlacement, PlacementIsWithdrawn):
        # A concurrent request with the same key committed first (a rule may have refused
        # this one because of what it did, e.g. registered the same person or withdrew the
        # placement): answer as it did.
        if not key:
            raise
        async with unit_of_work() as uow:
            stored = await uow.idempotency.get(organisation, key)
        if stored is None:
            raise
        return replay(stored, request_hash)
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
            self.caller.organisation,
            self.key,
            fingerprint(self.request, command),
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
