"""Rendering the app's pages: the templates, the language, the signed-in caller, the CSRF token."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData, UploadFile

from placements.presentation.i18n import Language, language_of, translator
from placements.service import handlers
from runtime.http.access_log import reader_of
from runtime.http.auth import FORVALTNING, SUPERVISOR, Caller
from runtime.http.browser_sign_in import signed_in, signed_in_user
from runtime.http.correlation import correlation_id
from runtime.http.csrf import check_csrf, csrf_token

LANGUAGE_COOKIE = "lang"
LIST_FIELDS = ("criteria_met",)
"""Form fields that are a group of check boxes: a list, however many are ticked."""

_environment = Environment(
    loader=PackageLoader("placements", "presentation/templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_viewer = signed_in(
    SUPERVISOR, FORVALTNING, detail="sign in as a supervisor or with a förvaltning's token"
)
Viewer = Annotated[Caller, Depends(_viewer)]


async def acting(
    request: Request, caller: Viewer, correlation: Annotated[str, Depends(correlation_id)]
) -> handlers.Request:
    """The signed-in supervisor acts for its förvaltning, by the API's own rules; what the
    pages show of a person is logged as read by that supervisor, through that page."""
    return handlers.Request(
        organisation=caller.subject,
        correlation_id=correlation,
        user=caller.user,
        reader=reader_of(caller, request, correlation),
    )


Acting = Annotated[handlers.Request, Depends(acting)]


def language(request: Request) -> Language:
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


def render(
    request: Request,
    ctx: handlers.Context,
    template: str,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    lang = language(request)
    user = signed_in_user(request)
    defaults: dict[str, Any] = {"errors": {}, "values": {}}
    page = _environment.get_template(template).render(
        t=translator(lang),
        lang=lang,
        ref=ctx.reference,
        csrf=csrf_token(request),
        user_name=(user.name or user.subject) if user else None,
        path=request.url.path,
        saved=request.query_params.get("saved") is not None,
        key=str(uuid.uuid4()),
        choices=lambda items: [(i.code, i.name.localized(lang)) for i in items],
        localized=lambda text: text.localized(lang),
        **(defaults | values),
    )
    return HTMLResponse(page, status_code=status_code)


async def submitted(request: Request) -> dict[str, Any]:
    """The form's fields, after its CSRF token is checked (403 otherwise)."""
    form: FormData = await request.form()
    check_csrf(request, form.get("csrf_token"))
    return {
        name: form.getlist(name) if name.rsplit(".", 1)[-1] in LIST_FIELDS else form.get(name)
        for name in form
    }


def upload(values: Mapping[str, Any], name: str) -> UploadFile | None:
    value = values.get(name)
    return value if isinstance(value, UploadFile) else None


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)
