"""The reference data: the organisation register and the targets (fördelningsmodellen), read
by anyone, changed by an admin (signed in, or with an admin's bearer token).

(No ``from __future__ import annotations``: FastAPI resolves the endpoint annotations at
runtime.)
"""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from reporting.api.dependencies import Admin, Reads, ReferenceChange
from reporting.api.schemas import OrganisationRegister, RegisterIn, YearTargets
from reporting.service import reference, reports

router = APIRouter(prefix="/reference", tags=["reference data"])

Year = Annotated[int, Path(ge=2000, le=2100)]

CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    303: {"description": "A browser (Accept: text/html) without a session: to /sign-in."},
    401: {"description": "No session and no or an unknown bearer token."},
    403: {"description": "Signed in without the admin role."},
    409: {"description": "Register and targets would disagree."},
    422: {"description": "The body breaks a rule; `detail` says which."},
}


@router.get(
    "/organisations",
    response_model=OrganisationRegister,
    summary="The organisation register: committees and their förvaltningar",
)
async def get_register(reads: Reads) -> OrganisationRegister:
    return await reports.register(reads)


@router.put(
    "/organisations",
    response_model=OrganisationRegister,
    summary="Replace the organisation register",
    responses=CHANGE_ERRORS,
)
async def put_register(body: RegisterIn, _: Admin, change: ReferenceChange) -> OrganisationRegister:
    register = body.register()
    await reference.replace_register(change, register)
    return register


@router.get(
    "/targets",
    response_model=dict[int, YearTargets],
    summary="Targets of every year (fördelningsmodellen)",
)
async def get_targets(reads: Reads) -> dict[int, YearTargets]:
    targets = await reports.targets(reads)
    return {year: YearTargets(placements=t) for year, t in targets.items()}


@router.get(
    "/targets/{year}",
    response_model=YearTargets,
    summary="Targets of one year",
    responses={404: {"description": "No targets for that year."}},
)
async def get_year_targets(year: Year, reads: Reads) -> YearTargets:
    targets = (await reports.targets(reads, year)).get(year)
    if targets is None:
        raise HTTPException(404, detail=f"no targets for {year}")
    return YearTargets(placements=targets)


@router.put(
    "/targets/{year}",
    response_model=YearTargets,
    summary="Replace the targets of one year",
    responses=CHANGE_ERRORS,
)
async def put_year_targets(
    year: Year, body: YearTargets, _: Admin, change: ReferenceChange
) -> YearTargets:
    await reference.replace_targets(change, year, dict(body.placements))
    return body
