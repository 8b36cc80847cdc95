"""The supervisors' app at ``/app/``, top to bottom: server-rendered pages and plain forms that
work without JavaScript. Every change goes through the API's own commands and handlers, in one
transaction with its ``Idempotency-Key`` (a hidden field of each form), so a form obeys the
same rules, answers with the same refusals (tied to their fields) and never acts twice.

(No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.)
"""

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ValidationError, field_validator

from placements.api import imports
from placements.api.dependencies import Context, UnitOfWorkFactory
from placements.api.idempotency import CommandRunner, IdempotencyConflict
from placements.api.routes import FilterCode, FilterText
from placements.domain.errors import (
    CertificateNotFound,
    OverlappingPlacement,
    PlacementIsWithdrawn,
    PlacementNotFound,
    RuleViolation,
)
from placements.domain.model import Placement
from placements.presentation import workbook
from placements.presentation.i18n import rule_message, translator
from placements.presentation.progression import CHART_LEFT, CHART_WIDTH, ROW_HEIGHT, progression
from placements.service import commands, handlers, queries
from placements.service.ports import PlacementFilter, UnitOfWork
from placements.web import forms
from placements.web.pages import (
    LANGUAGE_COOKIE,
    Acting,
    language,
    render,
    see_other,
    submitted,
    upload,
)
from runtime.text import IsoDate

router = APIRouter(prefix="/app", include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/")
async def placements_page(
    request: Request,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
    status: Literal["active", "ended", "withdrawn", ""] = "",
    placement_type: Text = None,
    workplace: Text = None,
    active_from: Text = None,
    active_to: Text = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    filters = {
        "status": status,
        "placement_type": placement_type or "",
        "workplace": workplace or "",
        "active_from": active_from or "",
        "active_to": active_to or "",
    }
    try:
        query = ListFilters.model_validate({**filters, "after": after}).query()
    except ValidationError as invalid:
        errors = forms.collect(forms.validation_errors(invalid, language(request)))
        return render(request, ctx, "app/list.html", 422, values=filters, errors=errors, page=None)
    page = await queries.list_placements(unit_of_work, req, query)
    following = urlencode({**filters, "after": page.last})
    return render(request, ctx, "app/list.html", values=filters, page=page, next_query=following)


@router.get("/language/{choice}")
async def choose_language(choice: Literal["sv", "en"], next: str = "/app/") -> Response:
    response = see_other(next if next.startswith("/app/") else "/app/")
    response.set_cookie(LANGUAGE_COOKIE, choice, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/placements/new")
async def registration_form(request: Request, req: Acting, ctx: Context) -> Response:
    return render(request, ctx, "app/register.html", values={"employment_rate": "100"})


@router.post("/placements/new")
async def register(
    request: Request, req: Acting, ctx: Context, unit_of_work: UnitOfWorkFactory
) -> Response:
    return await perform(request, req, ctx, unit_of_work, None, REGISTER)


@router.get("/placements/{placement_id}")
async def placement_page(
    request: Request,
    placement_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    try:
        placement, history = await queries.read_placement(unit_of_work, req, placement_id)
    except PlacementNotFound:
        return render(request, ctx, "app/missing.html", 404)
    certificate = await queries.certificate_state(request.app.state.certificates, req, placement_id)
    return render(
        request,
        ctx,
        "app/placement.html",
        p=placement,
        history=history,
        progress=progression(placement, ctx.reference, language(request)),
        chart={"left": CHART_LEFT, "width": CHART_WIDTH, "row": ROW_HEIGHT},
        certificate=certificate,
    )


@router.get("/placements/{placement_id}/{action}")
async def action_form(
    request: Request,
    placement_id: uuid.UUID,
    action: str,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    if action not in ACTIONS:
        return render(request, ctx, "app/missing.html", 404)
    return await show(request, req, ctx, unit_of_work, placement_id, ACTIONS[action])


@router.post("/placements/{placement_id}/{action}")
async def act(
    request: Request,
    placement_id: uuid.UUID,
    action: str,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    if action not in ACTIONS:
        return render(request, ctx, "app/missing.html", 404)
    return await perform(request, req, ctx, unit_of_work, placement_id, ACTIONS[action])


@router.get("/placements/{placement_id}/corrections/assessments/{assessment_id}")
async def assessment_correction_form(
    request: Request,
    placement_id: uuid.UUID,
    assessment_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    action = assessment_correction(assessment_id)
    return await show(request, req, ctx, unit_of_work, placement_id, action)


@router.post("/placements/{placement_id}/corrections/assessments/{assessment_id}")
async def correct_assessment(
    request: Request,
    placement_id: uuid.UUID,
    assessment_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    action = assessment_correction(assessment_id)
    return await perform(request, req, ctx, unit_of_work, placement_id, action)


@router.get("/placements/{placement_id}/certificates/{certificate_id}.pdf")
async def certificate_pdf(
    request: Request,
    placement_id: uuid.UUID,
    certificate_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    language: Literal["sv", "en"] = "sv",
) -> Response:
    try:
        pdf = await queries.certificate_pdf(
            request.app.state.certificates, req, certificate_id, language
        )
    except CertificateNotFound:
        return render(request, ctx, "app/missing.html", 404)
    name = f"kompetensintyg-{certificate_id}-{language}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/imports")
async def import_form(request: Request, req: Acting, ctx: Context) -> Response:
    return render(request, ctx, "app/import.html", values={"report": "page"}, report=None)


@router.post("/imports")
async def import_list(
    request: Request, req: Acting, ctx: Context, unit_of_work: UnitOfWorkFactory
) -> Response:
    values = await submitted(request)
    file = upload(values, "file")
    answer = {"report": "sheet" if values.get("report") == "sheet" else "page"}
    try:
        if file is None or not file.filename:
            raise workbook.UnreadableFile("missing", "choose a file")
        content = await file.read(imports.MAX_BYTES + 1)
        sheet, rows, result = await imports.import_file(
            unit_of_work, ctx, req, file.filename, content
        )
    except workbook.UnreadableFile as unreadable:
        message = rule_message(language(request), unreadable.rule, str(unreadable))
        errors = {"file": message}
        return render(
            request, ctx, "app/import.html", 422, values=answer, errors=errors, report=None
        )
    if answer["report"] == "sheet":
        return imports.marked_sheet(sheet, rows, result)
    report = imports.report_out(rows, result)
    return render(request, ctx, "app/import.html", values=answer, report=report)


# --- the actions, each a form and the command it sends ------------------------------------


@dataclass(frozen=True)
class Action:
    """A form on a placement: its page, the command, the handler, and how the form's fields
    become the command's body (with the form field each of the command's paths belongs to)."""

    template: str
    command: type[commands.Command]
    handler: Callable[..., Awaitable[Placement]]
    body: Callable[[forms.Form, Any], tuple[dict[str, Any], Callable[[str], str]]]
    defaults: Callable[[Placement], dict[str, Any]] = lambda _: {}


def _plain(
    *fields: str,
) -> Callable[[forms.Form, Any], tuple[dict[str, Any], Callable[[str], str]]]:
    def body(form: forms.Form, _: Any) -> tuple[dict[str, Any], Callable[[str], str]]:
        return forms.nested(form, fields), lambda path: forms.field_name(path, fields)

    return body


def _round(form: forms.Form, reference: Any) -> tuple[dict[str, Any], Callable[[str], str]]:
    body, chosen = forms.assessment_round(form, reference)
    return (
        body,
        lambda path: (
            forms.module_field(path, chosen)
            if path.startswith("modules.")
            else forms.field_name(path, ("assessed_on", "assessor", "modules"))
        ),
    )


def _registration(form: forms.Form, _: Any) -> tuple[dict[str, Any], Callable[[str], str]]:
    fields = (*forms.REGISTRATION_FIELDS, "tasks", "planned_value_added")
    return forms.registration(form), lambda path: forms.field_name(path, fields)


REGISTER = Action(
    "app/register.html",
    commands.RegisterPlacement,
    lambda uow, ctx, req, _, cmd: handlers.register_placement(uow, ctx, req, cmd),
    _registration,
)
ACTIONS: dict[str, Action] = {
    "assessment": Action(
        "app/assess.html",
        commands.AssessModules,
        handlers.assess_modules,
        _round,
        lambda _: {"assessor": "handledare"},
    ),
    "value-added": Action(
        "app/value_added.html",
        commands.RecordValueAdded,
        handlers.record_value_added,
        _plain("stage", "beneficiary", "category", "description"),
        lambda _: {"stage": "realised"},
    ),
    "end": Action(
        "app/end.html",
        commands.EndPlacement,
        handlers.end_placement,
        _plain("end_date", "outcome"),
        lambda p: {"end_date": p.terms.planned_end_date.isoformat()},
    ),
    "end-correction": Action(
        "app/correct_end.html",
        commands.CorrectEnd,
        handlers.correct_end,
        _plain("end_date", "outcome", "reason"),
        lambda p: {
            "end_date": p.end_date.isoformat() if p.end_date else "",
            "outcome": p.outcome or "",
        },
    ),
    "withdrawal": Action(
        "app/withdraw.html", commands.Withdraw, handlers.withdraw, _plain("reason")
    ),
}


def assessment_correction(assessment_id: uuid.UUID) -> Action:
    fields = ("level", "criteria_met", "assessed_on", "comment", "reason")

    async def handler(
        uow: UnitOfWork,
        ctx: handlers.Context,
        req: handlers.Request,
        placement_id: uuid.UUID,
        cmd: Any,
    ) -> Placement:
        return await handlers.correct_assessment(uow, ctx, req, placement_id, assessment_id, cmd)

    def defaults(p: Placement) -> dict[str, Any]:
        a = p.assessment(assessment_id)
        return {
            "assessment": a,
            "level": a.level,
            "criteria_met": list(a.criteria_met),
            "assessed_on": a.assessed_on.isoformat(),
            "comment": a.comment,
        }

    return Action(
        "app/correct_assessment.html",
        commands.CorrectAssessment,
        handler,
        _plain(*fields),
        defaults,
    )


# --- showing and sending a form ---------------------------------------------------------------


async def show(
    request: Request,
    req: handlers.Request,
    ctx: handlers.Context,
    unit_of_work: Callable[[], UnitOfWork],
    placement_id: uuid.UUID,
    action: Action,
    values: dict[str, Any] | None = None,
    errors: forms.Errors | None = None,
    status_code: int = 200,
) -> Response:
    try:
        placement, _ = await queries.read_placement(unit_of_work, req, placement_id)
        defaults = action.defaults(placement)
    except LookupError:  # no such placement here, or no such assessment on it
        return render(request, ctx, "app/missing.html", 404)
    return render(
        request,
        ctx,
        action.template,
        status_code,
        p=placement,
        values=values if values is not None else defaults,
        errors=errors or {},
        assessment=defaults.get("assessment"),
    )


async def perform(
    request: Request,
    req: handlers.Request,
    ctx: handlers.Context,
    unit_of_work: Callable[[], UnitOfWork],
    placement_id: uuid.UUID | None,
    action: Action,
) -> Response:
    values = await submitted(request)
    body, field_of = action.body(values, ctx.reference)
    outcome = await _run(request, req, ctx, unit_of_work, placement_id, action, values, body)
    if isinstance(outcome, str):
        return see_other(f"/app/placements/{outcome}?saved=1")
    status_code, refusals = outcome
    errors = forms.collect((field_of(path), message) for path, message in refusals)
    if placement_id is None:
        return render(request, ctx, action.template, status_code, values=values, errors=errors)
    return await show(
        request, req, ctx, unit_of_work, placement_id, action, values, errors, status_code
    )


async def _run(
    request: Request,
    req: handlers.Request,
    ctx: handlers.Context,
    unit_of_work: Callable[[], UnitOfWork],
    placement_id: uuid.UUID | None,
    action: Action,
    values: dict[str, Any],
    body: dict[str, Any],
) -> str | tuple[int, list[tuple[str, str]]]:
    """The placement's id once the command is done, or the status and refusals."""
    lang = language(request)
    try:
        command = action.command.model_validate(body)
        runner = CommandRunner(request, req, ctx, unit_of_work, _key(values))
        response = await runner(
            command, lambda uow, c, r: action.handler(uow, c, r, placement_id, command)
        )
    except ValidationError as invalid:
        return 422, forms.validation_errors(invalid, lang)
    except RuleViolation as violation:
        return 422, [(violation.field, rule_message(lang, violation.rule, violation.message))]
    except OverlappingPlacement as overlap:
        return 409, [
            ("participant.personnummer", rule_message(lang, "overlapping_placement", str(overlap)))
        ]
    except LookupError:  # the page that is shown again says it is not found
        return 404, []
    except PlacementIsWithdrawn:
        return 409, [("", _word(request, "withdrawn_notice"))]
    except IdempotencyConflict:
        return 409, [("", _word(request, "conflict"))]
    return str(_json(response)["id"])


def _key(values: dict[str, Any]) -> str | None:
    key = values.get("idempotency_key")
    return key if isinstance(key, str) and 0 < len(key) <= 200 else None


def _json(response: Response) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(bytes(response.body))
    return loaded


def _word(request: Request, key: str) -> str:
    return translator(language(request))(key)


class ListFilters(BaseModel):
    """The list's filters as the API's list reads them; a blank field filters nothing."""

    status: Literal["active", "ended", "withdrawn"] | None = None
    placement_type: FilterCode | None = None
    workplace: FilterText | None = None
    active_from: IsoDate | None = None
    active_to: IsoDate | None = None
    after: int | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def query(self) -> PlacementFilter:
        return PlacementFilter(**self.model_dump())
