"""The follow-up: the report of a period as JSON, CSV and XLSX, and the dashboard, each with
small cells suppressed; all for ASF analysts, signed in or with an analyst's bearer token.

(No ``from __future__ import annotations``: FastAPI resolves the endpoint annotations at
runtime.)
"""

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from contracts.calendar import CITY_TIME
from reporting.api.dependencies import (
    Analyst,
    ChosenPeriod,
    ChosenUnit,
    Reads,
    Reference,
    Threshold,
    Today,
    unit_error,
)
from reporting.api.schemas import Report
from reporting.domain.drilldown import Unit, UnitError
from reporting.domain.periods import Period, PeriodKind
from reporting.domain.published import suppress_report
from reporting.domain.suppression import Table, suppress
from reporting.presentation import dashboard, exports
from reporting.presentation.tables import report_tables
from reporting.service import reports
from runtime.http.auth import Caller
from runtime.http.browser_sign_in import signed_in_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    303: {"description": "A browser (Accept: text/html) without a session: to /sign-in."},
    401: {"description": "No session and no or an unknown bearer token."},
    403: {"description": "Signed in without the ASF-analyst role."},
}

router = APIRouter(tags=["report"], responses=SIGN_IN_ERRORS)

UNIT_PARAMETERS = ("level", "unit", "workplace")


@router.get(
    "/report",
    response_model=Report,
    summary="The report of a period, small cells suppressed",
    description="A withheld figure is a string in place of the number (see `Withheld`).",
)
async def get_report(
    _: Analyst,
    chosen: ChosenPeriod,
    unit: ChosenUnit,
    threshold: Threshold,
    reads: Reads,
    reference: Reference,
) -> Report:
    return suppress_report(await _report(reads, chosen, reference, unit), threshold)


@router.get(
    "/report.csv",
    summary="The report as CSV, small cells suppressed",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_csv(
    _: Analyst,
    chosen: ChosenPeriod,
    unit: ChosenUnit,
    threshold: Threshold,
    reads: Reads,
    reference: Reference,
) -> Response:
    tables = _tables(await _report(reads, chosen, reference, unit), threshold)
    return Response(
        exports.to_csv(tables),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(chosen)}.csv"'},
    )


@router.get(
    "/report.xlsx",
    summary="The report as an Excel workbook, small cells suppressed",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def get_xlsx(
    _: Analyst,
    chosen: ChosenPeriod,
    unit: ChosenUnit,
    threshold: Threshold,
    reads: Reads,
    reference: Reference,
) -> Response:
    tables = _tables(await _report(reads, chosen, reference, unit), threshold)
    return Response(
        exports.to_xlsx(tables),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_file_name(chosen)}.xlsx"'},
    )


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard", response_class=HTMLResponse, summary="The dashboard (HTML, Swedish)")
async def get_dashboard(
    request: Request,
    caller: Analyst,
    chosen: ChosenPeriod,
    unit: ChosenUnit,
    threshold: Threshold,
    today: Today,
    reads: Reads,
    reference: Reference,
) -> HTMLResponse:
    report = suppress_report(await _report(reads, chosen, reference, unit), threshold)
    query = urlencode(list(request.query_params.multi_items()))
    suffix = f"?{query}" if query else ""
    links = {
        "dashboard": "/dashboard",
        "csv": f"/report.csv{suffix}",
        "xlsx": f"/report.xlsx{suffix}",
        "json": f"/report{suffix}",
        "docs": "/docs",
        "sign_out": "/sign-out",
    }
    generated = datetime.now(CITY_TIME).strftime("%Y-%m-%d %H:%M")
    form = _form(chosen, today, request.query_params.get("tertial", "1"))
    drill = dashboard.DrillDown("/dashboard", _period_parameters(request))
    reader = _reader(request, caller)
    return HTMLResponse(dashboard.render(report, form, links, generated, reader, drill))


async def _report(reads: Reads, chosen: Period, reference: Reference, unit: Unit) -> Report:
    try:
        return await reports.report(reads, chosen, reference, unit)
    except UnitError as error:  # a committee the register does not have
        raise unit_error(error) from None


def _period_parameters(request: Request) -> list[tuple[str, str]]:
    """The query without the unit: a drill-down link keeps the period and changes the unit."""
    return [(k, v) for k, v in request.query_params.multi_items() if k not in UNIT_PARAMETERS]


def _reader(request: Request, caller: Caller) -> dashboard.Reader:
    """The browser session's user by name; a bearer token's caller by who it stands for."""
    user = signed_in_user(request)
    if user is not None and caller.user == user.subject:
        return dashboard.Reader(user.display_name, can_sign_out=True)
    return dashboard.Reader(caller.who, can_sign_out=False)


def _tables(report: Report, threshold: int) -> list[Table]:
    return [suppress(t, threshold) for t in report_tables(report, threshold, datetime.now(UTC))]


def _file_name(chosen: Period) -> str:
    return f"uppfoljning-{chosen.start.isoformat()}-{chosen.end.isoformat()}"


def _form(chosen: Period, today: date, tertial: str) -> dashboard.FormState:
    """The period form as the reader left it (this year and month where the period has none)."""
    return dashboard.FormState(
        kind=chosen.kind.value,
        year=chosen.start.year if chosen.kind != PeriodKind.CUSTOM else today.year,
        tertial=int(tertial or 1),
        month=chosen.start.month if chosen.kind == PeriodKind.MONTH else today.month,
        start=chosen.start,
        end=chosen.end,
    )
