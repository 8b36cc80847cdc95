"""What the routes take from ``app.state`` (set by ``bootstrap.build_app``), typed, and the
query parameters several routes share.

(No ``from __future__ import annotations``: FastAPI resolves these annotations at runtime.)
"""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from contracts.reference import ReferenceData
from reporting.domain.drilldown import Level, Unit, UnitError, check
from reporting.domain.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    Period,
    PeriodError,
    PeriodKind,
    resolve,
)
from reporting.service.ports import ConsumerState, ReferenceUnitOfWork, Snapshot
from runtime.http.auth import ADMIN, ANALYST, Caller
from runtime.http.browser_sign_in import signed_in
from runtime.text import IsoDate


def snapshot(request: Request) -> Snapshot:
    """A fresh snapshot to read the projection and reference data in."""
    factory: Callable[[], Snapshot] = request.app.state.snapshot
    return factory()


def reference_change(request: Request) -> ReferenceUnitOfWork:
    factory: Callable[[], ReferenceUnitOfWork] = request.app.state.reference_change
    return factory()


def reference_data(request: Request) -> ReferenceData:
    reference: ReferenceData = request.app.state.reference
    return reference


def stream(request: Request) -> str:
    name: str = request.app.state.stream
    return name


def consumer_state(request: Request) -> ConsumerState:
    state: ConsumerState = request.app.state.consumer
    return state


def today(request: Request) -> date:
    """Today in the city (the default year of a period)."""
    clock: Callable[[], date] = request.app.state.today
    return clock()


def period(
    request: Request,
    kind: Annotated[
        PeriodKind, Query(description="year, interim (delår jan–aug), tertial, month or custom")
    ] = PeriodKind.YEAR,
    year: Annotated[
        int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Default: this year.")
    ] = None,
    tertial: Annotated[int | None, Query(ge=1, le=3)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    start: Annotated[
        IsoDate | None, Query(alias="from", description="custom: first day, YYYY-MM-DD")
    ] = None,
    end: Annotated[
        IsoDate | None, Query(alias="to", description="custom: last day, YYYY-MM-DD")
    ] = None,
) -> Period:
    try:
        return resolve(
            kind,
            year=year if year is not None else today(request).year,
            tertial=tertial,
            month=month,
            start=start,
            end=end,
        )
    except PeriodError as error:  # names the parameter that is wrong, as a type error would
        raise RequestValidationError(
            [{"loc": ("query", error.parameter), "msg": str(error), "type": error.rule}]
        ) from None


def threshold(
    request: Request,
    threshold: Annotated[
        int | None,
        Query(ge=2, le=100, description="Raise (never lower) the suppression threshold."),
    ] = None,
) -> int:
    configured: int = request.app.state.suppression_threshold
    return max(threshold or 0, configured)


def unit(
    level: Annotated[
        Level, Query(description="city, committee, forvaltning or workplace (drill-down)")
    ] = Level.CITY,
    code: Annotated[
        str | None,
        Query(
            alias="unit",
            pattern=r"^[a-z][a-z0-9-]{1,30}$",
            description="The committee's or the förvaltning's code (not for the city).",
        ),
    ] = None,
    workplace: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="level=workplace: the workplace."),
    ] = None,
) -> Unit:
    chosen = Unit(level, code, workplace)
    try:
        check(chosen)
    except UnitError as error:
        raise unit_error(error) from None
    return chosen


def unit_error(error: UnitError) -> RequestValidationError:
    """Names the parameter that is wrong, as a type error would."""
    return RequestValidationError(
        [{"loc": ("query", error.parameter), "msg": str(error), "type": error.rule}]
    )


Reads = Annotated[Snapshot, Depends(snapshot)]
ReferenceChange = Annotated[ReferenceUnitOfWork, Depends(reference_change)]
Reference = Annotated[ReferenceData, Depends(reference_data)]
Stream = Annotated[str, Depends(stream)]
Consumer = Annotated[ConsumerState, Depends(consumer_state)]
Today = Annotated[date, Depends(today)]
ChosenPeriod = Annotated[Period, Depends(period)]
ChosenUnit = Annotated[Unit, Depends(unit)]
Threshold = Annotated[int, Depends(threshold)]
Admin = Annotated[
    Caller,
    Depends(
        signed_in(
            ADMIN,
            detail="sign in as an admin (or an admin's bearer token) to change reference data",
        )
    ),
]
Analyst = Annotated[
    Caller,
    Depends(
        signed_in(
            ANALYST,
            detail="sign in as an ASF analyst (or an analyst's bearer token) to read the follow-up",
        )
    ),
]
