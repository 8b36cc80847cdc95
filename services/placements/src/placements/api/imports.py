"""Import of a förvaltning's list of placements (Excel or CSV), and the list's template.

The valid rows are registered and the others reported (see the README for why not
all-or-nothing); importing the same file again registers nothing twice.

(No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.)
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from placements.api.dependencies import Caller, Context, UnitOfWorkFactory
from placements.presentation import workbook
from placements.service import handlers
from placements.service.imports import ImportReport, SheetRow, import_placements
from placements.service.ports import UnitOfWork
from runtime.http.errors import field_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 5 * 1024 * 1024

router = APIRouter(prefix="/imports", tags=["imports"])


class ImportProblemOut(BaseModel):
    row: int = Field(description="The row's number in the sheet (the header is row 1).")
    field: str = Field(description="The sheet's column.", examples=["Personnummer"])
    path: str = Field(
        description="The field of the registration (`POST /placements`).",
        examples=["participant.personnummer"],
    )
    rule: str = Field(examples=["personnummer.checksum"])
    message: str


class ImportedRowOut(BaseModel):
    row: int
    placement_id: uuid.UUID
    created: bool = Field(description="False when an earlier import had registered this row.")


class ImportReportOut(BaseModel):
    mode: Literal["valid-rows"] = Field(
        default="valid-rows",
        description="The valid rows are registered, the others reported with their reasons.",
    )
    rows: int
    created: int
    already_imported: int
    imported: list[ImportedRowOut]
    problems: list[ImportProblemOut]


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The empty list to fill in."}},
    summary="The import template, with the reference data as drop-down lists",
)
async def template(ctx: Context) -> Response:
    return Response(
        workbook.template(ctx.reference),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="placeringar-mall.xlsx"'},
    )


@router.post(
    "",
    response_model=ImportReportOut,
    responses={
        200: {"content": {XLSX: {}}, "description": "The report; with `report=xlsx` the sheet."},
        401: {"description": "No or unknown bearer token."},
        422: {"description": "The file is no list of placements (`detail[0].loc` is the file)."},
    },
    summary="Import a list of placements (Excel .xlsx or CSV)",
    description="Every row is checked by the rules of `POST /placements`. The valid rows are "
    "registered; the report names each refused row's column, rule and message. Each row's "
    "idempotency key is derived from its content: importing the same file again registers "
    "nothing twice (`created: false`). `report=xlsx` answers with the uploaded sheet, each "
    "refused cell marked and a column `Fel` with the row's errors.",
)
async def import_list(
    file: Annotated[UploadFile, File(description="The list: .xlsx or .csv (UTF-8 or Windows).")],
    caller: Caller,
    ctx: Context,
    unit_of_work: UnitOfWorkFactory,
    report: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Response:
    content = await file.read(MAX_BYTES + 1)
    try:
        sheet, rows, result = await import_file(
            unit_of_work, ctx, caller, file.filename or "", content
        )
    except workbook.UnreadableFile as unreadable:
        return field_error(["body", "file"], str(unreadable), unreadable.rule)
    if report == "xlsx":
        return marked_sheet(sheet, rows, result)
    return JSONResponse(report_out(rows, result).model_dump(mode="json"))


async def import_file(
    unit_of_work: Callable[[], UnitOfWork],
    ctx: handlers.Context,
    caller: handlers.Request,
    filename: str,
    content: bytes,
) -> tuple[workbook.Sheet, list[SheetRow], ImportReport]:
    """The import of one uploaded file (``UnreadableFile`` when it is no list)."""
    if len(content) > MAX_BYTES:
        raise workbook.UnreadableFile("file_too_large", "the file is larger than 5 MB")
    sheet = workbook.read_sheet(filename, content)
    rows = workbook.registrations(sheet, ctx.reference)
    return sheet, rows, await import_placements(unit_of_work, ctx, caller, rows)


def report_out(rows: list[SheetRow], report: ImportReport) -> ImportReportOut:
    by_number = {row.number: row for row in rows}
    return ImportReportOut(
        rows=report.rows,
        created=report.created,
        already_imported=len(report.imported) - report.created,
        imported=[ImportedRowOut(**vars(i)) for i in report.imported],
        problems=[
            ImportProblemOut(
                row=p.row,
                field=workbook.column_of(p, by_number.get(p.row)),
                path=p.field,
                rule=p.rule,
                message=p.message,
            )
            for p in report.problems
        ],
    )


def marked_sheet(sheet: workbook.Sheet, rows: list[SheetRow], report: ImportReport) -> Response:
    by_number = {row.number: row for row in rows}
    problems = [(workbook.column_of(p, by_number.get(p.row)), p) for p in report.problems]
    return Response(
        workbook.marked(sheet, problems),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="placeringar-rapport.xlsx"'},
    )
