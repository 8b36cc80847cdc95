"""The supervisors' app at ``/app/``, top to bottom: server-rendered pages and plain forms that
work without JavaScript. Every change goes through the API's own commands and handlers, in one
transaction with its ``Idempotency-Key`` (a hidden field of each form), so a form obeys the
same rules, answers with the same refusals (tied to their fields) and never acts twice.

(No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.)
"""

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ValidationError, field_validator

from placements.api import imports
from placements.api.dependencies import Context, UnitOfWorkFactory
from placements.api.routes import FilterCode, FilterText
from placements.domain.errors import CertificateNotFound, PlacementNotFound
from placements.presentation import workbook
from placements.presentation.i18n import rule_message
from placements.presentation.progression import CHART_LEFT, CHART_WIDTH, ROW_HEIGHT, progression
from placements.service import queries
from placements.service.ports import PlacementFilter
from placements.web import forms
from placements.web.actions import ACTIONS, FACT_CORRECTIONS, REGISTER, perform, show
from placements.web.pages import (
    LANGUAGE_COOKIE,
    Acting,
    language,
    render,
    see_other,
    submitted,
    upload,
)
from runtime.http.auth import SUPERVISOR
from runtime.http.browser_sign_in import signed_in_user
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
    supervisor: Text = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    filters = {
        "status": status,
        "placement_type": placement_type or "",
        "workplace": workplace or "",
        "active_from": active_from or "",
        "active_to": active_to or "",
        "supervisor": own_placements(request) if supervisor is None else supervisor,
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


@router.get("/placements/{placement_id}/corrections/{kind}/{fact_id}")
async def fact_correction_form(
    request: Request,
    placement_id: uuid.UUID,
    kind: str,
    fact_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    if kind not in FACT_CORRECTIONS:
        return render(request, ctx, "app/missing.html", 404)
    action = FACT_CORRECTIONS[kind](fact_id)
    return await show(request, req, ctx, unit_of_work, placement_id, action)


@router.post("/placements/{placement_id}/corrections/{kind}/{fact_id}")
async def correct_fact(
    request: Request,
    placement_id: uuid.UUID,
    kind: str,
    fact_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
) -> Response:
    if kind not in FACT_CORRECTIONS:
        return render(request, ctx, "app/missing.html", 404)
    action = FACT_CORRECTIONS[kind](fact_id)
    return await perform(request, req, ctx, unit_of_work, placement_id, action)


@router.get("/placements/{placement_id}/certificates/{certificate_id}.pdf")
async def certificate_pdf(
    request: Request,
    placement_id: uuid.UUID,
    certificate_id: uuid.UUID,
    req: Acting,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
    language: Literal["sv", "en"] = "sv",
) -> Response:
    try:
        pdf = await queries.certificate_pdf(
            request.app.state.certificates,
            unit_of_work,
            req,
            placement_id,
            certificate_id,
            language,
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


def own_placements(request: Request) -> str:
    """The list's first filter: a signed-in supervisor whose provider names an email sees the
    placements it supervises; the filter can be cleared to see the förvaltning's."""
    user = signed_in_user(request)
    return (user.email or "") if user and SUPERVISOR in user.roles else ""


class ListFilters(BaseModel):
    """The list's filters as the API's list reads them; a blank field filters nothing."""

    status: Literal["active", "ended", "withdrawn"] | None = None
    placement_type: FilterCode | None = None
    workplace: FilterText | None = None
    active_from: IsoDate | None = None
    active_to: IsoDate | None = None
    supervisor: FilterText | None = None
    after: int | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def query(self) -> PlacementFilter:
        return PlacementFilter(**self.model_dump())
