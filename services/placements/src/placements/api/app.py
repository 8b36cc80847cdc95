"""The förvaltningar's HTTP API. Every POST takes an ``Idempotency-Key``; every request may
carry ``X-Correlation-ID`` (generated otherwise), which follows its events across services.

(No ``from __future__ import annotations`` here: FastAPI resolves the dependency annotations
of the endpoints defined inside ``create_app`` at runtime.)
"""

import base64
import binascii
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import Depends, FastAPI, Header, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from placements.adapters.idempotency import StoredResponse
from placements.adapters.repository import PlacementFilter
from placements.adapters.unit_of_work import PlacementsUnitOfWork
from placements.api.schemas import PlacementOut, PlacementPage
from placements.domain.errors import PlacementNotFound, RuleViolation
from placements.domain.model import Placement
from placements.service import commands, handlers
from runtime.http.auth import Clients
from runtime.http.correlation import install_correlation_id
from runtime.http.operations import Check, operations_router


@dataclass(frozen=True)
class Dependencies:
    unit_of_work: Callable[[], PlacementsUnitOfWork]
    context: handlers.Context
    clients: Clients
    readiness: Mapping[str, Check] = field(default_factory=dict)


class IdempotencyConflict(Exception):
    pass


def create_app(deps: Dependencies) -> FastAPI:
    app = FastAPI(
        title="Placements API",
        version="1.0.0",
        description=(
            "Register and follow labour-market placements (extratjänster and other "
            "arbetsmarknadsanställningar). Each förvaltning authenticates with its own bearer "
            "token and sees only its own placements. Every change is published as an event on "
            "the city-wide stream, with the participant pseudonymised."
        ),
    )
    bearer = HTTPBearer(auto_error=False)

    async def organisation(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        return deps.clients.authenticate(credentials.credentials if credentials else None)

    def request_context(
        request: Request, org: Annotated[str, Depends(organisation)]
    ) -> handlers.Request:
        return handlers.Request(organisation=org, correlation_id=request.state.correlation_id)

    Caller = Annotated[handlers.Request, Depends(request_context)]
    IdempotencyKey = Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Retrying with the same key returns the first response; "
            "the same key with another body is a 409.",
        ),
    ]

    install_correlation_id(app)

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, error: RuleViolation) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={
                "detail": [
                    {
                        "loc": ["body", *error.field.split(".")],
                        "msg": error.message,
                        "type": error.rule,
                    }
                ]
            },
        )

    @app.exception_handler(PlacementNotFound)
    async def not_found(_: Request, error: PlacementNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": "placement not found"})

    @app.exception_handler(IdempotencyConflict)
    async def idempotency_conflict(_: Request, error: IdempotencyConflict) -> JSONResponse:
        return JSONResponse(
            status_code=409,
            content={"detail": "Idempotency-Key was already used with a different request"},
        )

    async def execute(
        caller: handlers.Request,
        key: str | None,
        fingerprint: str,
        status_code: int,
        action: Callable[[PlacementsUnitOfWork], Awaitable[Placement]],
    ) -> JSONResponse:
        """Run a command in one transaction with its events and, given a key, its response."""
        try:
            async with deps.unit_of_work() as uow:
                if key and (stored := await uow.idempotency.get(caller.organisation, key)):
                    return replay(stored, fingerprint)
                placement = await action(uow)
                body = jsonable_encoder(PlacementOut.of(placement))
                if key:
                    await uow.idempotency.add(
                        caller.organisation, key, StoredResponse(fingerprint, status_code, body)
                    )
                await uow.commit()
        except asyncpg.UniqueViolationError:
            # A concurrent request with the same key committed first: answer as it did.
            async with deps.unit_of_work() as uow:
                stored = await uow.idempotency.get(caller.organisation, key or "")
            if stored is None:
                raise
            return replay(stored, fingerprint)
        return respond(body, status_code)

    def replay(stored: StoredResponse, fingerprint: str) -> JSONResponse:
        if stored.request_hash != fingerprint:
            raise IdempotencyConflict
        response = respond(stored.body, stored.status_code)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    def respond(body: dict[str, Any], status_code: int) -> JSONResponse:
        response = JSONResponse(body, status_code=status_code)
        if status_code == status.HTTP_201_CREATED:
            response.headers["Location"] = f"/placements/{body['id']}"
        return response

    def fingerprint(request: Request, command: commands.Command) -> str:
        canonical = f"{request.method} {request.url.path} {command.model_dump_json()}"
        return hashlib.sha256(canonical.encode()).hexdigest()

    errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "No or unknown bearer token."},
        404: {"description": "No such placement for this förvaltning."},
        409: {"description": "Idempotency-Key reused with a different request."},
        422: {"description": "A field breaks a rule; `detail` names the field and the rule."},
    }

    @app.post(
        "/placements",
        status_code=201,
        response_model=PlacementOut,
        responses=errors,
        summary="Register a placement",
        tags=["placements"],
    )
    async def register(
        request: Request,
        command: commands.RegisterPlacement,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return await execute(
            caller,
            key,
            fingerprint(request, command),
            201,
            lambda uow: handlers.register_placement(uow, deps.context, caller, command),
        )

    def placement_command(
        path: str,
        summary: str,
        command_type: type[commands.Command],
        handler: Callable[..., Awaitable[Placement]],
    ) -> None:
        async def endpoint(
            request: Request,
            placement_id: uuid.UUID,
            command: Any,
            caller: Caller,
            key: IdempotencyKey = None,
        ) -> JSONResponse:
            return await execute(
                caller,
                key,
                fingerprint(request, command),
                200,
                lambda uow: handler(uow, deps.context, caller, placement_id, command),
            )

        endpoint.__annotations__["command"] = command_type
        app.post(
            f"/placements/{{placement_id}}/{path}",
            response_model=PlacementOut,
            responses=errors,
            summary=summary,
            tags=["placements"],
            name=handler.__name__,
        )(endpoint)

    placement_command(
        "planned-end",
        "Change the planned end",
        commands.ChangePlannedEnd,
        handlers.change_planned_end,
    )
    placement_command(
        "value-added",
        "Record mervärde (planned or realised)",
        commands.RecordValueAdded,
        handlers.record_value_added,
    )
    placement_command(
        "assessments", "Record a module assessment", commands.AssessModule, handlers.assess_module
    )
    placement_command(
        "assessment-rounds",
        "Record several module assessments at one occasion",
        commands.AssessModules,
        handlers.assess_modules,
    )
    placement_command("end", "End the placement", commands.EndPlacement, handlers.end_placement)

    @app.get(
        "/placements",
        response_model=PlacementPage,
        responses={401: errors[401], 422: errors[422]},
        summary="List placements",
        tags=["placements"],
    )
    async def list_placements(
        caller: Caller,
        status_: Annotated[Literal["active", "ended"] | None, Query(alias="status")] = None,
        placement_type: str | None = None,
        workplace: Annotated[str | None, Query(description="Part of the workplace name.")] = None,
        active_from: Annotated[
            date | None, Query(description="Active on or after this day.")
        ] = None,
        active_to: Annotated[
            date | None, Query(description="Active on or before this day.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: str | None = None,
    ) -> PlacementPage:
        query = PlacementFilter(
            status=status_,
            placement_type=placement_type,
            workplace=workplace,
            active_from=active_from,
            active_to=active_to,
            after=decode_cursor(cursor),
            limit=limit,
        )
        async with deps.unit_of_work() as uow:
            rows = await uow.placements.list(caller.organisation, query)
        next_cursor = encode_cursor(rows[-1][0]) if len(rows) == limit else None
        return PlacementPage(items=[PlacementOut.of(p) for _, p in rows], next_cursor=next_cursor)

    @app.get(
        "/placements/{placement_id}",
        response_model=PlacementOut,
        responses={401: errors[401], 404: errors[404]},
        summary="Read a placement with its event history",
        tags=["placements"],
    )
    async def read_placement(placement_id: uuid.UUID, caller: Caller) -> PlacementOut:
        async with deps.unit_of_work() as uow:
            placement = await uow.placements.get(caller.organisation, placement_id, lock=False)
            history = await uow.placements.history(placement_id)
        return PlacementOut.of(placement, history)

    app.include_router(operations_router(deps.readiness))
    return app


def encode_cursor(registration: int) -> str:
    return base64.urlsafe_b64encode(str(registration).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": "not a cursor from this API", "type": "cursor"}]
        ) from None
