"""The förvaltningar's HTTP API, top to bottom. Every POST takes an ``Idempotency-Key``; every
request may carry ``X-Correlation-ID`` (generated otherwise), which follows its events across
services. Each förvaltning sees and changes only its own placements.

(No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.)
"""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from placements.api.cursor import decode_cursor, encode_cursor
from placements.api.dependencies import Caller, CityCaller, Context, Run, UnitOfWorkFactory
from placements.api.idempotency import (
    CONFLICT,
    IdempotencyConflict,
)
from placements.api.schemas import PlacementOut, PlacementPage, RegisterExtractOut
from placements.domain.errors import (
    FactNotFound,
    IdentityErased,
    OverlappingPlacement,
    PlacementIsWithdrawn,
    PlacementNotFound,
    RuleViolation,
)
from placements.presentation.extract import render_extract
from placements.service import commands, handlers, queries
from placements.service.ports import CertificatesUnavailable, PlacementFilter
from runtime.http.errors import ErrorResponses, field_error, fixed
from runtime.text import IDENTIFIER, LINE, IsoDate

TITLE = "Placements API"
DESCRIPTION = (
    "Register and follow labour-market placements (extratjänster and other "
    "arbetsmarknadsanställningar). Each förvaltning authenticates with its own bearer "
    "token and sees only its own placements. Every change is published as an event on "
    "the city-wide stream, with the participant pseudonymised.\n\n"
    "Any recorded fact can be corrected (rättelse), also after the end, under "
    "`/placements/{id}/corrections/…`, with a reason; the correction is recorded as made by the "
    "calling förvaltning and the history keeps the original. A placement registered by mistake "
    "is withdrawn (makulering) with `POST /placements/{id}/withdrawal`; after that nothing "
    "changes it (409 `placement_withdrawn`). The personnummer cannot be corrected: a wrong one "
    "is another person, so withdraw the placement and register it again."
)

router = APIRouter(prefix="/placements", tags=["placements"])
participants = APIRouter(prefix="/participants", tags=["participants"])

ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown bearer token."},
    404: {"description": "No such placement for this förvaltning."},
    409: {
        "description": "Idempotency-Key reused with a different request; or the placement was "
        "withdrawn (`detail[0].type` is `placement_withdrawn`) or its identity erased after "
        "the retention period (`identity_erased`) and cannot be changed."
    },
    422: {"description": "A field breaks a rule; `detail` names the field and the rule."},
}
CORRECTION_ANSWERS: dict[int | str, dict[str, Any]] = {
    **ANSWERS,
    422: {
        "description": "A field breaks a rule; `detail` names the field and the rule. A "
        "correction that changes nothing is refused with `detail[0].type` `unchanged`."
    },
}
FACT_ANSWERS: dict[int | str, dict[str, Any]] = {
    **CORRECTION_ANSWERS,
    404: {
        "description": "No such placement for this förvaltning, or no such assessment or "
        "mervärde entry on it (`detail[0].loc` names the path parameter)."
    },
}
REGISTRATION_ANSWERS: dict[int | str, dict[str, Any]] = {
    **ANSWERS,
    409: {
        "description": "Idempotency-Key reused with a different request; or the participant "
        "already has an active placement with this förvaltning over the same time "
        "(`detail[0].type` is `overlapping_placement` and `detail[0].ctx.existing_placement_id` "
        "names it): send `overlap_intended: true` if both are meant."
    },
}


@router.post(
    "",
    status_code=201,
    response_model=PlacementOut,
    responses=REGISTRATION_ANSWERS,
    summary="Register a placement",
)
async def register(command: commands.RegisterPlacement, run: Run) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.register_placement(uow, ctx, caller, command),
        201,
    )


@router.post(
    "/{placement_id}/planned-end",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="Change the planned end",
)
async def change_planned_end(
    placement_id: uuid.UUID, command: commands.ChangePlannedEnd, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.change_planned_end(
            uow, ctx, caller, placement_id, command
        ),
    )


@router.post(
    "/{placement_id}/value-added",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="Record mervärde (planned or realised)",
)
async def record_value_added(
    placement_id: uuid.UUID, command: commands.RecordValueAdded, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.record_value_added(
            uow, ctx, caller, placement_id, command
        ),
    )


@router.post(
    "/{placement_id}/assessments",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="Record a module assessment",
)
async def assess_module(
    placement_id: uuid.UUID, command: commands.AssessModule, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.assess_module(uow, ctx, caller, placement_id, command),
    )


@router.post(
    "/{placement_id}/assessment-rounds",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="Record several module assessments at one occasion",
)
async def assess_modules(
    placement_id: uuid.UUID, command: commands.AssessModules, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.assess_modules(uow, ctx, caller, placement_id, command),
    )


@router.post(
    "/{placement_id}/end",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="End the placement",
)
async def end_placement(
    placement_id: uuid.UUID, command: commands.EndPlacement, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.end_placement(uow, ctx, caller, placement_id, command),
    )


# --- corrections (rättelse) and withdrawal (makulering) -------------------------------------


@router.post(
    "/{placement_id}/corrections/end",
    response_model=PlacementOut,
    responses=CORRECTION_ANSWERS,
    summary="Correct the end date or the outcome of an ended placement",
)
async def correct_end(
    placement_id: uuid.UUID, command: commands.CorrectEnd, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.correct_end(uow, ctx, caller, placement_id, command),
    )


@router.post(
    "/{placement_id}/corrections/assessments/{assessment_id}",
    response_model=PlacementOut,
    responses=FACT_ANSWERS,
    summary="Correct an assessment (module, level, criteria, date, comment, assessor)",
)
async def correct_assessment(
    placement_id: uuid.UUID,
    assessment_id: uuid.UUID,
    command: commands.CorrectAssessment,
    run: Run,
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.correct_assessment(
            uow, ctx, caller, placement_id, assessment_id, command
        ),
    )


@router.post(
    "/{placement_id}/corrections/value-added/{entry_id}",
    response_model=PlacementOut,
    responses=FACT_ANSWERS,
    summary="Correct a mervärde entry",
)
async def correct_value_added(
    placement_id: uuid.UUID, entry_id: uuid.UUID, command: commands.CorrectValueAdded, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.correct_value_added(
            uow, ctx, caller, placement_id, entry_id, command
        ),
    )


@router.post(
    "/{placement_id}/corrections/details",
    response_model=PlacementOut,
    responses=CORRECTION_ANSWERS,
    summary="Correct the workplace, role, tasks, extent, period, supervisor or name",
    description="Give only what changes; `workplace`, `supervisor` and `tasks` are replaced "
    "whole. The personnummer cannot be corrected: withdraw the placement and register it "
    "again.",
)
async def correct_details(
    placement_id: uuid.UUID, command: commands.CorrectDetails, run: Run
) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.correct_details(uow, ctx, caller, placement_id, command),
    )


@router.post(
    "/{placement_id}/withdrawal",
    response_model=PlacementOut,
    responses=ANSWERS,
    summary="Withdraw a placement registered by mistake (makulering)",
    description="Final: the placement counts nowhere, its certificate is revoked, its history "
    "stays, and every later change is a 409 `placement_withdrawn`.",
)
async def withdraw(placement_id: uuid.UUID, command: commands.Withdraw, run: Run) -> JSONResponse:
    return await run(
        command,
        lambda uow, ctx, caller: handlers.withdraw(uow, ctx, caller, placement_id, command),
    )


# Filters go into SQL: the text rules keep NUL bytes and lone surrogates from the driver.
FilterText = Annotated[str, StringConstraints(max_length=200), LINE]
FilterCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80), IDENTIFIER]


@router.get(
    "",
    response_model=PlacementPage,
    responses={401: ANSWERS[401], 422: ANSWERS[422]},
    summary="List placements",
)
async def list_placements(
    caller: Caller,
    unit_of_work: UnitOfWorkFactory,
    status_: Annotated[
        Literal["active", "ended", "withdrawn"] | None, Query(alias="status")
    ] = None,
    placement_type: FilterCode | None = None,
    workplace: Annotated[
        FilterText | None,
        Query(description="Part of the workplace name; `%` and `_` match themselves."),
    ] = None,
    active_from: Annotated[
        IsoDate | None, Query(description="Active on or after this day.")
    ] = None,
    active_to: Annotated[IsoDate | None, Query(description="Active on or before this day.")] = None,
    supervisor: Annotated[
        FilterText | None,
        Query(description="The supervisor's email (any case): one supervisor's placements."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: FilterText | None = None,
) -> PlacementPage:
    query = PlacementFilter(
        status=status_,
        placement_type=placement_type,
        workplace=workplace,
        active_from=active_from,
        active_to=active_to,
        supervisor=supervisor,
        after=decode_cursor(cursor),
        limit=limit,
    )
    page = await queries.list_placements(unit_of_work, caller, query)
    return PlacementPage(
        items=[PlacementOut.of(p) for p in page.placements],
        next_cursor=encode_cursor(page.last) if page.last is not None else None,
    )


@router.get(
    "/{placement_id}",
    response_model=PlacementOut,
    responses={401: ANSWERS[401], 404: ANSWERS[404]},
    summary="Read a placement with its event history",
)
async def read_placement(
    placement_id: uuid.UUID, caller: Caller, unit_of_work: UnitOfWorkFactory
) -> PlacementOut:
    placement, history = await queries.read_placement(unit_of_work, caller, placement_id)
    return PlacementOut.of(placement, history)


@participants.post(
    "/search",
    response_model=PlacementPage,
    responses={401: ANSWERS[401], 422: ANSWERS[422]},
    summary="Find a person's placements with this förvaltning",
    description="The personnummer goes in the body, never in the URL. Paged like "
    "`GET /placements` (`limit`, `cursor`); another förvaltning's placements are never shown.",
)
async def search_participant(
    query: commands.FindParticipant,
    caller: Caller,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: FilterText | None = None,
) -> PlacementPage:
    page = await queries.find_participant(
        unit_of_work, ctx, caller, query, PlacementFilter(after=decode_cursor(cursor), limit=limit)
    )
    return PlacementPage(
        items=[PlacementOut.of(p) for p in page.placements],
        next_cursor=encode_cursor(page.last) if page.last is not None else None,
    )


@participants.post(
    "/register-extract",
    response_model=RegisterExtractOut,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "JSON, or a PDF for the person."},
        401: ANSWERS[401],
        403: {"description": "An access token without the förvaltning or admin role."},
        422: ANSWERS[422],
        503: {
            "description": "The certificates service (or the database) cannot answer: an "
            "extract must be complete, so none is given. Try again after `Retry-After`.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
    summary="Register extract (registerutdrag): everything held about a person",
    description="The personnummer goes in the body, never in the URL. A förvaltning gets "
    "what concerns its own placements, an admin the whole city's. JSON, or a PDF for the "
    "person with `Accept: application/pdf` or `?format=pdf`. The extract is itself logged.",
)
async def register_extract(
    request: Request,
    query: commands.RequestRegisterExtract,
    caller: CityCaller,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
    format: Annotated[Literal["json", "pdf"] | None, Query()] = None,
) -> Response:
    extract = await queries.register_extract(unit_of_work, ctx, caller, query)
    body = RegisterExtractOut.of(extract, datetime.now(UTC))
    if wants_pdf(request, format):
        # Typst takes CPU for a while: off the event loop, so other requests flow.
        pdf = await asyncio.to_thread(render_extract, body.model_dump(mode="json"))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="registerutdrag.pdf"'},
        )
    return JSONResponse(body.model_dump(mode="json"))


def wants_pdf(request: Request, format: str | None) -> bool:
    """``?format=`` decides; otherwise the Accept header asking for a PDF."""
    if format is not None:
        return format == "pdf"
    return "application/pdf" in request.headers.get("accept", "").lower()


CERTIFICATES_RETRY_AFTER_SECONDS = 5


def certificates_unavailable(error: CertificatesUnavailable) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"detail": f"the register extract would be incomplete: {error}; try again"},
        headers={"Retry-After": str(CERTIFICATES_RETRY_AFTER_SECONDS)},
    )


def rule_violation(error: RuleViolation) -> JSONResponse:
    """A business rule reads like a type error: ``loc`` names the field, ``type`` the rule."""
    return field_error(["body", *filter(None, error.field.split("."))], error.message, error.rule)


def overlapping_placement(error: OverlappingPlacement) -> JSONResponse:
    """A 409 in the 422's shape: ``loc`` the participant, ``ctx`` the existing placement."""
    return JSONResponse(
        status_code=409,
        content={
            "detail": [
                {
                    "loc": ["body", "participant", "personnummer"],
                    "msg": str(error),
                    "type": "overlapping_placement",
                    "ctx": {"existing_placement_id": str(error.existing)},
                }
            ]
        },
    )


def fact_not_found(error: FactNotFound) -> JSONResponse:
    return field_error(["path", error.field], str(error), "not_found", status_code=404)


def identity_erased(error: IdentityErased) -> JSONResponse:
    return field_error(["path", "placement_id"], str(error), "identity_erased", status_code=409)


def placement_withdrawn(error: PlacementIsWithdrawn) -> JSONResponse:
    return field_error(["path", "placement_id"], str(error), "placement_withdrawn", status_code=409)


ERRORS: ErrorResponses = {
    RuleViolation: rule_violation,
    OverlappingPlacement: overlapping_placement,
    PlacementNotFound: fixed(404, "placement not found"),
    FactNotFound: fact_not_found,
    PlacementIsWithdrawn: placement_withdrawn,
    IdentityErased: identity_erased,
    CertificatesUnavailable: certificates_unavailable,
    IdempotencyConflict: fixed(409, CONFLICT),
}
