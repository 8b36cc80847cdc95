"""ASF's follow-up over HTTP: the report as JSON, CSV and XLSX exports, the HTML dashboard, the
reference data (changed with an admin token) and what operators need.

(No ``from __future__ import annotations``: FastAPI resolves the endpoint annotations at
runtime.)
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from contracts.organisations import OrganisationRegister
from contracts.reference import ReferenceData
from reporting.adapters import projection_store, reference_store
from reporting.domain.periods import Period, PeriodError, PeriodKind, resolve
from reporting.domain.projection import CITY_TIME
from reporting.domain.reference import YearTargets
from reporting.domain.report import Report
from reporting.domain.suppression import Table, suppress
from reporting.presentation import dashboard, exports
from reporting.presentation.tables import report_tables
from reporting.service import reference as reference_service
from reporting.service.consumer import ConsumerState
from reporting.service.reports import report as build
from runtime.http.auth import Clients
from runtime.http.correlation import install_correlation_id
from runtime.http.operations import Check, operations_router

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Dependencies:
    pool: asyncpg.Pool
    reference: ReferenceData
    stream: str
    admins: Clients
    suppression_threshold: int = 5
    consumer: ConsumerState = field(default_factory=ConsumerState)
    readiness: Mapping[str, Check] = field(default_factory=dict)  # for /ready
    today: Callable[[], date] = lambda: datetime.now(CITY_TIME).date()


class UnusableEventOut(BaseModel):
    stream_offset: int = Field(description="Where the message is in the stream.")
    routing_key: str
    reason: str
    detail: str
    event_id: str | None
    event_type: str | None
    producer: str | None
    recorded_at: datetime


class ConsumerOut(BaseModel):
    role: str = Field(description="active (this replica consumes), standby or starting")
    attached: bool
    position: int | None
    last_error: str | None


class StatusOut(BaseModel):
    stream: str
    last_offset: int | None = Field(description="The last stream offset applied.")
    updated_at: datetime | None
    applied_events: int
    placements: int
    unusable_events: int
    unusable_by_reason: dict[str, int]
    consumer: ConsumerOut


def create_app(deps: Dependencies) -> FastAPI:
    app = FastAPI(
        title="Reporting API (ASF)",
        version="1.0.0",
        description=(
            "City-wide follow-up of labour-market placements against the fördelningsmodell, "
            "from the city-wide event stream. Any period: a year, the delår (January–August), "
            "a tertial, a month or custom dates. The JSON report carries exact figures; the "
            "CSV and XLSX exports suppress small cells. No personal data is kept."
        ),
    )
    install_correlation_id(app)
    bearer = HTTPBearer(auto_error=False)

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        try:
            return deps.admins.authenticate(credentials.credentials if credentials else None)
        except HTTPException:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="an admin bearer token is required to change reference data",
                headers={"WWW-Authenticate": "Bearer"},
            ) from None

    def period(
        kind: Annotated[
            PeriodKind, Query(description="year, interim (delår jan–aug), tertial, month or custom")
        ] = PeriodKind.YEAR,
        year: Annotated[
            int | None, Query(ge=2000, le=2100, description="Default: this year.")
        ] = None,
        tertial: Annotated[int | None, Query(ge=1, le=3)] = None,
        month: Annotated[int | None, Query(ge=1, le=12)] = None,
        start: Annotated[date | None, Query(alias="from", description="custom: first day")] = None,
        end: Annotated[date | None, Query(alias="to", description="custom: last day")] = None,
    ) -> Period:
        try:
            return resolve(
                kind,
                year=year if year is not None else deps.today().year,
                tertial=tertial,
                month=month,
                start=start,
                end=end,
            )
        except PeriodError as error:
            raise RequestValidationError(
                [{"loc": ("query", "kind"), "msg": str(error), "type": "period"}]
            ) from None

    Admin = Annotated[str, Depends(admin)]
    ChosenPeriod = Annotated[Period, Depends(period)]
    auth_errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "No or unknown admin bearer token."},
        409: {"description": "Register and targets would disagree."},
        422: {"description": "The body breaks a rule; `detail` says which."},
    }

    @app.exception_handler(reference_service.ReferenceConflict)
    async def conflict(_: Request, error: reference_service.ReferenceConflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(reference_store.RegisterMissing)
    async def no_register(_: Request, error: reference_store.RegisterMissing) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})

    async def report_of(chosen: Period) -> Report:
        return await build(deps.pool, chosen, deps.reference)

    # --- the follow-up ----------------------------------------------------------------------

    @app.get("/report", response_model=Report, tags=["report"], summary="The report of a period")
    async def get_report(chosen: ChosenPeriod) -> Report:
        return await report_of(chosen)

    def threshold_param(
        threshold: Annotated[
            int | None,
            Query(ge=2, le=100, description="Raise (never lower) the suppression threshold."),
        ] = None,
    ) -> int:
        return max(threshold or 0, deps.suppression_threshold)

    Threshold = Annotated[int, Depends(threshold_param)]

    async def export(chosen: Period, threshold: int) -> tuple[list[Table], str]:
        tables = report_tables(await report_of(chosen), threshold, datetime.now(UTC))
        name = f"uppfoljning-{chosen.start.isoformat()}-{chosen.end.isoformat()}"
        return [suppress(t, threshold) for t in tables], name

    @app.get(
        "/report.csv",
        tags=["report"],
        summary="The report as CSV, small cells suppressed",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def get_csv(chosen: ChosenPeriod, threshold: Threshold) -> Response:
        tables, name = await export(chosen, threshold)
        return Response(
            exports.to_csv(tables),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )

    @app.get(
        "/report.xlsx",
        tags=["report"],
        summary="The report as an Excel workbook, small cells suppressed",
        response_class=Response,
        responses={200: {"content": {XLSX: {}}}},
    )
    async def get_xlsx(chosen: ChosenPeriod, threshold: Threshold) -> Response:
        tables, name = await export(chosen, threshold)
        return Response(
            exports.to_xlsx(tables),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard")

    @app.get(
        "/dashboard",
        response_class=HTMLResponse,
        tags=["report"],
        summary="The dashboard (HTML, Swedish)",
    )
    async def get_dashboard(request: Request, chosen: ChosenPeriod) -> HTMLResponse:
        report = await report_of(chosen)
        today = deps.today()
        query = urlencode(list(request.query_params.multi_items()))
        suffix = f"?{query}" if query else ""
        form = dashboard.FormState(
            kind=chosen.kind.value,
            year=chosen.start.year if chosen.kind != PeriodKind.CUSTOM else today.year,
            tertial=int(request.query_params.get("tertial", "1") or 1),
            month=chosen.start.month if chosen.kind == PeriodKind.MONTH else today.month,
            start=chosen.start,
            end=chosen.end,
        )
        links = {
            "dashboard": "/dashboard",
            "csv": f"/report.csv{suffix}",
            "xlsx": f"/report.xlsx{suffix}",
            "json": f"/report{suffix}",
            "docs": "/docs",
        }
        generated = datetime.now(CITY_TIME).strftime("%Y-%m-%d %H:%M")
        return HTMLResponse(dashboard.render(report, form, links, generated))

    # --- reference data ---------------------------------------------------------------------

    @app.get(
        "/reference/organisations",
        response_model=OrganisationRegister,
        tags=["reference data"],
        summary="The organisation register: committees and their förvaltningar",
    )
    async def get_register() -> OrganisationRegister:
        async with deps.pool.acquire() as conn:
            return await reference_store.register(conn)

    @app.put(
        "/reference/organisations",
        response_model=OrganisationRegister,
        tags=["reference data"],
        summary="Replace the organisation register",
        responses=auth_errors,
    )
    async def put_register(body: OrganisationRegister, _: Admin) -> OrganisationRegister:
        await reference_service.replace_register(deps.pool, body)
        return body

    @app.get(
        "/reference/targets",
        response_model=dict[int, YearTargets],
        tags=["reference data"],
        summary="Targets of every year (fördelningsmodellen)",
    )
    async def get_targets() -> dict[int, YearTargets]:
        async with deps.pool.acquire() as conn:
            targets = await reference_store.targets(conn)
        return {year: YearTargets(placements=t) for year, t in targets.items()}

    Year = Annotated[int, Path(ge=2000, le=2100)]

    @app.get(
        "/reference/targets/{year}",
        response_model=YearTargets,
        tags=["reference data"],
        summary="Targets of one year",
        responses={404: {"description": "No targets for that year."}},
    )
    async def get_year_targets(year: Year) -> YearTargets:
        async with deps.pool.acquire() as conn:
            targets = (await reference_store.targets(conn, year)).get(year)
        if targets is None:
            raise HTTPException(404, detail=f"no targets for {year}")
        return YearTargets(placements=targets)

    @app.put(
        "/reference/targets/{year}",
        response_model=YearTargets,
        tags=["reference data"],
        summary="Replace the targets of one year",
        responses=auth_errors,
    )
    async def put_year_targets(year: Year, body: YearTargets, _: Admin) -> YearTargets:
        await reference_service.replace_targets(deps.pool, year, dict(body.placements))
        return body

    # --- operations -------------------------------------------------------------------------

    @app.get(
        "/operations/status",
        response_model=StatusOut,
        tags=["operations"],
        summary="Stream position, counts, and this replica's consumer",
    )
    async def get_status() -> StatusOut:
        async with deps.pool.acquire() as conn:
            current = await projection_store.status(conn, deps.stream)
        return StatusOut(**vars(current), consumer=ConsumerOut(**vars(deps.consumer)))

    @app.get(
        "/operations/unusable-events",
        response_model=list[UnusableEventOut],
        tags=["operations"],
        summary="Stream messages the projection could not use, with the reason",
    )
    async def get_unusable(
        after_offset: Annotated[int, Query(ge=-1, description="Page after this offset.")] = -1,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[UnusableEventOut]:
        async with deps.pool.acquire() as conn:
            rows = await projection_store.unusable_events(
                conn, after_offset=after_offset, limit=limit
            )
        return [
            UnusableEventOut(**{**vars(r), "event_id": str(r.event_id) if r.event_id else None})
            for r in rows
        ]

    app.include_router(operations_router(deps.readiness))
    return app
