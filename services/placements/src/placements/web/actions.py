"""The app's forms on a placement: each the API's command and handler, the page it is on, and
how its fields become the command's body (and its refusals find their fields again). Sent with
the API's ``CommandRunner``: one transaction with the form's ``Idempotency-Key``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError

from placements.api.idempotency import CommandRunner, IdempotencyConflict
from placements.domain.errors import OverlappingPlacement, PlacementIsWithdrawn, RuleViolation
from placements.domain.model import Placement
from placements.presentation.i18n import rule_message, translator
from placements.service import commands, handlers, queries
from placements.service.ports import UnitOfWork
from placements.web import forms
from placements.web.pages import language, render, see_other, submitted

BodyOf = Callable[[forms.Form, Any], tuple[dict[str, Any], Callable[[str], str]]]
"""A form's fields as the command's body, with the form field each command path belongs to."""


@dataclass(frozen=True)
class Action:
    """A form on a placement: its page, the command, the handler, and how the form's fields
    become the command's body (with the form field each of the command's paths belongs to)."""

    template: str
    command: type[commands.Command]
    handler: Callable[..., Awaitable[Placement]]
    body: BodyOf
    defaults: Callable[[Placement], dict[str, Any]] = lambda _: {}


def _plain(*fields: str) -> BodyOf:
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


def _details(form: forms.Form, _: Any) -> tuple[dict[str, Any], Callable[[str], str]]:
    fields = (*forms.DETAILS_FIELDS, "tasks", "reason")
    return forms.details(form), lambda path: forms.field_name(path, fields)


def _recorded_details(p: Placement) -> dict[str, Any]:
    """The details as recorded: the correction form starts from them (an erased identity, whose
    placement no correction can change, leaves its fields empty)."""
    t = p.terms
    return {
        **_recorded_people(p),
        "workplace.name": t.workplace.name,
        "workplace.unit": t.workplace.unit or "",
        "placement_type": t.placement_type,
        "role": t.role,
        "tasks": "\n".join(t.tasks),
        "employment_rate": str(t.employment_rate),
        "start_date": t.start_date.isoformat(),
        "planned_end_date": t.planned_end_date.isoformat(),
    }


def _recorded_people(p: Placement) -> dict[str, str]:
    person, supervisor = p.participant, p.supervisor
    names = (
        {
            "participant.given_name": person.given_name,
            "participant.family_name": person.family_name,
        }
        if person
        else {}
    )
    contact = (
        {
            "supervisor.name": supervisor.name,
            "supervisor.email": supervisor.email or "",
            "supervisor.phone": supervisor.phone or "",
        }
        if supervisor
        else {}
    )
    return names | contact


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
    "planned-end": Action(
        "app/planned_end.html",
        commands.ChangePlannedEnd,
        handlers.change_planned_end,
        _plain("planned_end_date", "reason"),
        lambda p: {"planned_end_date": p.terms.planned_end_date.isoformat()},
    ),
    "details-correction": Action(
        "app/correct_details.html",
        commands.CorrectDetails,
        handlers.correct_details,
        _details,
        _recorded_details,
    ),
    "withdrawal": Action(
        "app/withdraw.html", commands.Withdraw, handlers.withdraw, _plain("reason")
    ),
}


def assessment_correction(assessment_id: uuid.UUID) -> Action:
    async def handler(
        uow: UnitOfWork, ctx: handlers.Context, req: handlers.Request, pid: uuid.UUID, cmd: Any
    ) -> Placement:
        return await handlers.correct_assessment(uow, ctx, req, pid, assessment_id, cmd)

    def recorded(p: Placement) -> dict[str, Any]:
        a = p.assessment(assessment_id)
        return {
            "fact": a,
            "level": a.level,
            "criteria_met": list(a.criteria_met),
            "assessed_on": a.assessed_on.isoformat(),
            "comment": a.comment,
        }

    fields = ("level", "criteria_met", "assessed_on", "comment", "reason")
    return Action(
        "app/correct_assessment.html",
        commands.CorrectAssessment,
        handler,
        _plain(*fields),
        recorded,
    )


def value_added_correction(entry_id: uuid.UUID) -> Action:
    async def handler(
        uow: UnitOfWork, ctx: handlers.Context, req: handlers.Request, pid: uuid.UUID, cmd: Any
    ) -> Placement:
        return await handlers.correct_value_added(uow, ctx, req, pid, entry_id, cmd)

    def recorded(p: Placement) -> dict[str, Any]:
        v = p.value_added_entry(entry_id)
        fields = ("stage", "beneficiary", "category", "description")
        return {"fact": v, **{name: getattr(v, name) for name in fields}}

    fields = ("stage", "beneficiary", "category", "description", "reason")
    return Action(
        "app/correct_value_added.html",
        commands.CorrectValueAdded,
        handler,
        _plain(*fields),
        recorded,
    )


FACT_CORRECTIONS: dict[str, Callable[[uuid.UUID], Action]] = {
    "assessments": assessment_correction,
    "value-added": value_added_correction,
}
"""Corrections of one recorded fact, by the kind of fact (as in the API's paths)."""


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
        fact=defaults.get("fact"),
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
