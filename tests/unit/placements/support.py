"""Commands as a förvaltning system sends them, and running a handler the way the API does:
in a unit of work, committed only if the handler succeeds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from contracts.reference import load_reference_data
from placements.domain.model import Participant, Placement, Supervisor
from placements.service import commands, handlers
from tests.unit.placements.fakes import FakeUnitOfWork
from tools.samples import personnummer

PSEUDONYM_KEY = b"test-pseudonym-key"
TODAY = date(2027, 6, 30)
"""The clock of the plausibility rules in these tests: after every date the samples use."""
CONTEXT = handlers.Context(
    reference=load_reference_data(), pseudonym_key=PSEUDONYM_KEY, today=lambda: TODAY
)
SF = handlers.Request(organisation="sf", correlation_id="case-1")
KF = handlers.Request(organisation="kf", correlation_id="case-kf")

AMINA = personnummer("19990315", "412")  # female, 26 at the start below


def participant(index: int) -> dict[str, Any]:
    """Another person for each index: one person's registrations would overlap."""
    return {
        "personnummer": personnummer("19900101", f"{index:03d}"),
        "given_name": "Deltagare",
        "family_name": f"Nummer {index}",
    }


def registration(**overrides: Any) -> commands.RegisterPlacement:
    body: dict[str, Any] = {
        "participant": {"personnummer": AMINA, "given_name": "Amina", "family_name": "Hassan"},
        "workplace": {"name": "Stadsbiblioteket", "unit": "Barnavdelningen"},
        "supervisor": {"name": "Karin Nilsson", "email": "karin.nilsson@example.se"},
        "placement_type": "extratjanst",
        "role": "Biblioteksassistent",
        "tasks": ["Låna ut och ta emot böcker"],
        "employment_rate": 75,
        "start_date": "2026-01-12",
        "planned_end_date": "2026-12-31",
        "planned_value_added": [
            {"beneficiary": "workplace", "category": "okad-service-till-invanare"}
        ],
    }
    body.update(overrides)
    return commands.RegisterPlacement.model_validate(body)


def assessment(**overrides: Any) -> commands.AssessModule:
    body: dict[str, Any] = {
        "module": "sprak",
        "level": "B1",
        "criteria_met": ["sprak.muntlig-interaktion"],
        "assessed_on": "2026-03-01",
        "assessor": "handledare",
    }
    return commands.AssessModule.model_validate({**body, **overrides})


def assessment_round(*modules: dict[str, Any], **overrides: Any) -> commands.AssessModules:
    body: dict[str, Any] = {
        "assessed_on": "2026-04-01",
        "assessor": "handledare",
        "modules": list(modules)
        or [
            {"module": "sprak", "level": "B1", "criteria_met": ["sprak.lasforstaelse"]},
            {"module": "sociala-fardigheter", "level": "3", "comment": "Samarbetar väl."},
        ],
    }
    return commands.AssessModules.model_validate({**body, **overrides})


PlacementHandler = Callable[..., Awaitable[Placement]]
"""A use case on one placement: ``(uow, context, request, placement_id, command)``."""


async def register(
    uow: FakeUnitOfWork,
    command: commands.RegisterPlacement | None = None,
    req: handlers.Request = SF,
    ctx: handlers.Context = CONTEXT,
) -> Placement:
    async with uow:
        placement = await handlers.register_placement(uow, ctx, req, command or registration())
        await uow.commit()
    return placement


async def run(
    uow: FakeUnitOfWork,
    handler: PlacementHandler,
    placement_id: uuid.UUID,
    command: commands.Command,
    req: handlers.Request = SF,
    ctx: handlers.Context = CONTEXT,
) -> Placement:
    async with uow:
        placement = await handler(uow, ctx, req, placement_id, command)
        await uow.commit()
    return placement


def person_of(placement: Placement) -> Participant:
    """The placement's participant, which only an erased placement lacks."""
    assert placement.participant is not None, "the identity was erased"
    return placement.participant


def supervised(placement: Placement) -> Supervisor:
    assert placement.supervisor is not None, "the identity was erased"
    return placement.supervisor
