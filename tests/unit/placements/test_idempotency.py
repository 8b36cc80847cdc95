"""``Idempotency-Key`` on the in-memory fakes: a retried command never runs twice. (Concurrent
retries wait for each other on the key in PostgreSQL: see the integration tests.)"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder

from placements.api.idempotency import IdempotencyConflict, respond_once
from placements.api.schemas import PlacementOut
from placements.domain.model import Placement
from placements.service import handlers
from placements.service.commands import AssessModule
from placements.service.ports import UnitOfWork
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import CONTEXT, KF, SF, registration


async def registering(uow: UnitOfWork) -> Placement:
    # The same request each time: the person's second placement is meant, not a double entry.
    command = registration(overlap_intended=True)
    return await handlers.register_placement(uow, CONTEXT, SF, command)


def body(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bytes(response.body))
    return data


async def test_a_retry_replays_the_first_response() -> None:
    uow = FakeUnitOfWork()
    first = await respond_once(lambda: uow, SF, "reg-1", "request-1", 201, registering)
    again = await respond_once(lambda: uow, SF, "reg-1", "request-1", 201, registering)
    assert first.status_code == again.status_code == 201
    assert body(again) == body(first)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (
        again.headers["Location"] == first.headers["Location"] == f"/placements/{body(first)['id']}"
    )
    assert len(uow.db.placements) == 1
    assert len(uow.committed) == 2, "the events of one registration"


async def test_a_key_used_with_another_request_is_a_conflict() -> None:
    uow = FakeUnitOfWork()
    await respond_once(lambda: uow, SF, "reg-2", "request-1", 201, registering)
    with pytest.raises(IdempotencyConflict):
        await respond_once(lambda: uow, SF, "reg-2", "request-2", 201, registering)
    assert len(uow.db.placements) == 1


async def test_keys_belong_to_one_forvaltning_and_no_key_means_no_replay() -> None:
    uow = FakeUnitOfWork()
    await respond_once(lambda: uow, SF, "shared", "request-1", 201, registering)
    await respond_once(lambda: uow, KF, "shared", "request-1", 201, registering)
    await respond_once(lambda: uow, SF, None, "request-1", 201, registering)
    await respond_once(lambda: uow, SF, None, "request-1", 201, registering)
    assert len(uow.db.placements) == 4


async def test_the_answer_is_the_json_fastapi_would_have_written() -> None:
    """The body comes from pydantic's serializer; it must equal FastAPI's own encoding of the
    response model, assessments, mervärde, end and all."""
    uow = FakeUnitOfWork()
    async with uow:
        placement = await registering(uow)
        await uow.commit()
    assessed = await respond_once(lambda: uow, SF, None, "r", 200, assessing(placement))
    assert body(assessed) == jsonable_encoder(PlacementOut.of(uow.db.placements[placement.id]))


def assessing(placement: Placement) -> Any:
    async def action(uow: UnitOfWork) -> Placement:
        command = AssessModule(
            module="sprak", level="B1", assessed_on=date(2026, 3, 2), assessor="handledare"
        )
        return await handlers.assess_module(uow, CONTEXT, SF, placement.id, command)

    return action
