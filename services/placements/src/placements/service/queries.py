"""What a förvaltning reads: its own placements only, without locking them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from placements.domain.model import Placement
from placements.service.handlers import Request
from placements.service.ports import HistoryEntry, PlacementFilter, UnitOfWork


@dataclass(frozen=True)
class Page:
    placements: list[Placement]
    last: int | None
    """The last placement's registration number when the page is full (more may follow)."""


async def list_placements(
    unit_of_work: Callable[[], UnitOfWork], req: Request, query: PlacementFilter
) -> Page:
    async with unit_of_work() as uow:
        rows = await uow.placements.list(req.organisation, query)
    last = rows[-1][0] if rows and len(rows) == query.limit else None
    return Page([placement for _, placement in rows], last)


async def read_placement(
    unit_of_work: Callable[[], UnitOfWork], req: Request, placement_id: uuid.UUID
) -> tuple[Placement, list[HistoryEntry]]:
    """The placement and its event history (``PlacementNotFound`` for another förvaltning's)."""
    async with unit_of_work() as uow:
        placement = await uow.placements.get(req.organisation, placement_id, lock=False)
        history = await uow.placements.history(placement_id)
    return placement, history
