"""Use cases on an open unit of work: load, ask the aggregate, add. The caller commits (with
the stored response of an ``Idempotency-Key``), and the events leave with the commit (outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from contracts.events import Workplace
from contracts.personnummer import Personnummer
from contracts.reference import ReferenceData
from placements.domain.errors import RuleViolation
from placements.domain.model import (
    Assessment,
    CorrectionNote,
    Details,
    Participant,
    Placement,
    Supervisor,
    Terms,
    ValueAddedEntry,
    check_no_overlap,
)
from placements.domain.plausibility import Plausibility
from placements.domain.pseudonym import participant_ref
from placements.service import commands
from placements.service.ports import CertificatesRegister, UnitOfWork
from runtime.access_log import Access, Reader


@dataclass(frozen=True)
class Context:
    """What every use case needs besides the unit of work."""

    reference: ReferenceData
    pseudonym_key: bytes
    today: Callable[[], date]
    """The city's calendar day: what "in the future" means to the plausibility rules."""
    rules: Plausibility = field(default_factory=Plausibility)
    certificates: CertificatesRegister | None = None
    """Where the register extract gets the certificates service's part; None: not configured,
    so no extract can be complete."""


@dataclass(frozen=True)
class Request:
    """Who asks, and the trace id of the user action."""

    organisation: str
    correlation_id: str
    user: str | None = None
    """The signed-in person (a supervisor in the app), or None for a förvaltning's system."""
    reader: Reader | None = None
    """Who reads, for the access log; None where nothing is handed out (tests of commands)."""

    def access(self, placements: Iterable[Placement]) -> Access:
        """The caller's read of ``placements``' identity data."""
        return self._reader.read((p.id, p.organisation) for p in placements)

    def access_by_id(self, placement_ids: Iterable[uuid.UUID]) -> Access:
        """The caller's read of its own placements ``placement_ids``."""
        return self._reader.read((p, self.organisation) for p in placement_ids)

    @property
    def _reader(self) -> Reader:
        return self.reader or Reader(
            self.organisation, "förvaltning", self.organisation, "unknown", self.correlation_id
        )

    @property
    def author(self) -> str:
        """Who a correction or withdrawal is recorded as made by: the signed-in person, or the
        förvaltning whose system called."""
        return self.user or self.organisation


async def register_placement(
    uow: UnitOfWork, ctx: Context, req: Request, cmd: commands.RegisterPlacement
) -> Placement:
    personnummer = Personnummer(cmd.participant.personnummer)  # normalised by the command
    ref = participant_ref(ctx.pseudonym_key, personnummer)
    placement = Placement.register(
        organisation=req.organisation,
        participant=Participant(
            personnummer, cmd.participant.given_name, cmd.participant.family_name
        ),
        participant_ref=ref,
        supervisor=Supervisor(cmd.supervisor.name, cmd.supervisor.email, cmd.supervisor.phone),
        terms=Terms(
            placement_type=cmd.placement_type,
            workplace=Workplace.model_validate(cmd.workplace.model_dump()),
            role=cmd.role,
            tasks=tuple(cmd.tasks),
            employment_rate=cmd.employment_rate,
            start_date=cmd.start_date,
            planned_end_date=cmd.planned_end_date,
        ),
        planned_value_added=[
            ValueAddedEntry("planned", v.beneficiary, v.category, v.description)
            for v in cmd.planned_value_added
        ],
        reference=ctx.reference,
        rules=ctx.rules,
        today=ctx.today(),
        correlation_id=req.correlation_id,
    )
    others = await uow.placements.active_of_participant(req.organisation, ref)
    check_no_overlap(placement.terms, others, intended=cmd.overlap_intended)
    uow.placements.add(placement)
    return placement


async def change_planned_end(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    cmd: commands.ChangePlannedEnd,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    placement.change_planned_end(
        cmd.planned_end_date, cmd.reason, ctx.reference, req.correlation_id
    )
    return placement


async def record_value_added(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    cmd: commands.RecordValueAdded,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    entry = ValueAddedEntry(cmd.stage, cmd.beneficiary, cmd.category, cmd.description)
    placement.record_value_added(entry, ctx.reference, req.correlation_id)
    return placement


async def assess_module(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    cmd: commands.AssessModule,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    assessment = _assessment(cmd, cmd.assessed_on, cmd.assessor)
    placement.assess_module(assessment, ctx.reference, ctx.rules, ctx.today(), req.correlation_id)
    return placement


async def assess_modules(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    cmd: commands.AssessModules,
) -> Placement:
    """Several modules at one occasion: all recorded, or none (one ModuleAssessed each)."""
    placement = await uow.placements.get(req.organisation, placement_id)
    today = ctx.today()
    for index, module in enumerate(cmd.modules):
        assessment = _assessment(module, cmd.assessed_on, cmd.assessor)
        try:
            placement.assess_module(assessment, ctx.reference, ctx.rules, today, req.correlation_id)
        except RuleViolation as violation:
            if violation.field == "assessed_on" or violation.rule == "placement_ended":
                raise  # about the round, not one module
            raise RuleViolation(
                f"modules.{index}.{violation.field}", violation.rule, violation.message
            ) from None
    return placement


async def end_placement(
    uow: UnitOfWork, ctx: Context, req: Request, placement_id: uuid.UUID, cmd: commands.EndPlacement
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    placement.end(cmd.end_date, cmd.outcome, ctx.reference, ctx.today(), req.correlation_id)
    return placement


# --- corrections (rättelse) and withdrawal (makulering) -------------------------------------


async def correct_end(
    uow: UnitOfWork, ctx: Context, req: Request, placement_id: uuid.UUID, cmd: commands.CorrectEnd
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    placement.correct_end(
        cmd.end_date,
        cmd.outcome,
        _note(cmd, req),
        ctx.reference,
        ctx.rules,
        ctx.today(),
        req.correlation_id,
    )
    return placement


async def correct_assessment(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    assessment_id: uuid.UUID,
    cmd: commands.CorrectAssessment,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    changes = cmd.changes()
    if cmd.criteria_met is not None:
        changes["criteria_met"] = tuple(cmd.criteria_met)
    corrected = replace(placement.assessment(assessment_id), **changes)
    placement.correct_assessment(
        corrected, _note(cmd, req), ctx.reference, ctx.rules, ctx.today(), req.correlation_id
    )
    return placement


async def correct_value_added(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    entry_id: uuid.UUID,
    cmd: commands.CorrectValueAdded,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    corrected = replace(placement.value_added_entry(entry_id), **cmd.changes())
    placement.correct_value_added(corrected, _note(cmd, req), ctx.reference, req.correlation_id)
    return placement


async def correct_details(
    uow: UnitOfWork,
    ctx: Context,
    req: Request,
    placement_id: uuid.UUID,
    cmd: commands.CorrectDetails,
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    placement.correct_details(
        _corrected_details(placement.details, cmd),
        _note(cmd, req),
        ctx.reference,
        ctx.rules,
        ctx.today(),
        req.correlation_id,
    )
    return placement


async def withdraw(
    uow: UnitOfWork, ctx: Context, req: Request, placement_id: uuid.UUID, cmd: commands.Withdraw
) -> Placement:
    placement = await uow.placements.get(req.organisation, placement_id)
    placement.withdraw(cmd.reason, req.author, req.correlation_id)
    return placement


def _note(cmd: commands.Correction, req: Request) -> CorrectionNote:
    return CorrectionNote(reason=cmd.reason, corrected_by=req.author)


def _corrected_details(current: Details, cmd: commands.CorrectDetails) -> Details:
    """The recorded details with what the command gives in their place."""
    terms: dict[str, Any] = {
        name: value
        for name, value in cmd.changes().items()
        if name in {"placement_type", "role", "employment_rate", "start_date", "planned_end_date"}
    }
    if cmd.workplace is not None:
        terms["workplace"] = Workplace.model_validate(cmd.workplace.model_dump())
    if cmd.tasks is not None:
        terms["tasks"] = tuple(cmd.tasks)
    supervisor = current.supervisor
    if cmd.supervisor is not None:
        supervisor = Supervisor(cmd.supervisor.name, cmd.supervisor.email, cmd.supervisor.phone)
    names = cmd.participant or commands.NameIn()
    return Details(
        terms=replace(current.terms, **terms),
        supervisor=supervisor,
        given_name=names.given_name or current.given_name,
        family_name=names.family_name or current.family_name,
    )


def _assessment(
    module: commands.ModuleLevel | commands.AssessModule, assessed_on: date, assessor: str
) -> Assessment:
    """One module's assessment, alone or as part of a round (which gives date and assessor)."""
    return Assessment(
        module=module.module,
        level=module.level,
        criteria_met=tuple(module.criteria_met),
        assessed_on=assessed_on,
        assessor=assessor,
        comment=module.comment,
    )
