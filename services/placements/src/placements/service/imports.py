"""A förvaltning's list of placements, imported row by row through the same registration as
``POST /placements``: the same rules, the same answers, the same idempotency.

Each valid row is registered in its own transaction; a row that breaks a rule is reported and
the others go in. A row's ``Idempotency-Key`` is derived from its content, so importing the
same file again (or a corrected one) registers only what was not registered yet.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from placements.domain.errors import OverlappingPlacement, RuleViolation
from placements.service import handlers
from placements.service.commands import RegisterPlacement
from placements.service.ports import StoredResponse, UnitOfWork

KEY_PREFIX = "import-"


@dataclass(frozen=True)
class SheetRow:
    """One row of the list: its number in the sheet and the registration it describes."""

    number: int
    body: Mapping[str, Any]


@dataclass(frozen=True)
class RowProblem:
    """Why a row was not imported. ``field`` is the registration's dotted path."""

    row: int
    field: str
    rule: str
    message: str


@dataclass(frozen=True)
class ImportedRow:
    row: int
    placement_id: uuid.UUID
    created: bool
    """False when an earlier import of the same row had registered it."""


@dataclass
class ImportReport:
    rows: int = 0
    imported: list[ImportedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for i in self.imported if i.created)


async def import_placements(
    unit_of_work: Callable[[], UnitOfWork],
    ctx: handlers.Context,
    req: handlers.Request,
    rows: Sequence[SheetRow],
) -> ImportReport:
    report = ImportReport(rows=len(rows))
    for row in rows:
        try:
            command = RegisterPlacement.model_validate(row.body)
        except ValidationError as invalid:
            report.problems.extend(_problems(row.number, invalid))
            continue
        outcome = await _register_once(unit_of_work, ctx, req, row.number, command)
        if isinstance(outcome, RowProblem):
            report.problems.append(outcome)
        else:
            report.imported.append(outcome)
    return report


def row_key(command: RegisterPlacement) -> str:
    """The row's Idempotency-Key: the registration it stands for, whatever row it is on."""
    return KEY_PREFIX + hashlib.sha256(command.model_dump_json().encode()).hexdigest()


async def _register_once(
    unit_of_work: Callable[[], UnitOfWork],
    ctx: handlers.Context,
    req: handlers.Request,
    number: int,
    command: RegisterPlacement,
) -> ImportedRow | RowProblem:
    key = row_key(command)
    async with unit_of_work() as uow:
        if stored := await uow.idempotency.claim(req.organisation, key):
            return ImportedRow(number, uuid.UUID(stored.body["id"]), created=False)
        try:
            placement = await handlers.register_placement(uow, ctx, req, command)
        except RuleViolation as violation:
            return RowProblem(number, violation.field, violation.rule, violation.message)
        except OverlappingPlacement as overlap:
            return RowProblem(
                number, "participant.personnummer", "overlapping_placement", str(overlap)
            )
        await uow.idempotency.add(
            req.organisation, key, StoredResponse(key, 201, {"id": str(placement.id)})
        )
        await uow.commit()
    return ImportedRow(number, placement.id, created=True)


def _problems(number: int, invalid: ValidationError) -> list[RowProblem]:
    return [
        RowProblem(
            number,
            ".".join(str(part) for part in error["loc"]),
            error["type"],
            error["msg"],
        )
        for error in invalid.errors()
    ]
