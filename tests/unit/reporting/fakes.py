"""In-memory fakes of reporting's ports, for handler tests without servers."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from contracts.organisations import OrganisationRegister
from reporting.domain import aggregates
from reporting.domain.aggregates import Deltas, Sign
from reporting.domain.intake import Rejection
from reporting.domain.projection import (
    AssessmentRow,
    CertificateRow,
    ModuleRow,
    PlacementRow,
    Projection,
    ProjectionRows,
    ValueAddedRow,
)
from reporting.service.ports import ProjectionUnitOfWork, ReferenceUnitOfWork


@dataclass
class ProjectionState:
    """What PostgreSQL would hold: the projection's tables."""

    position: int | None = None
    applied: set[uuid.UUID] = field(default_factory=set)
    placements: dict[uuid.UUID, PlacementRow] = field(default_factory=dict)
    certificates: dict[uuid.UUID, CertificateRow] = field(default_factory=dict)
    assessments: dict[tuple[uuid.UUID, uuid.UUID], AssessmentRow] = field(default_factory=dict)
    modules: dict[tuple[uuid.UUID, str], ModuleRow] = field(default_factory=dict)
    value_added: dict[tuple[uuid.UUID, uuid.UUID], ValueAddedRow] = field(default_factory=dict)
    rejections: dict[int, Rejection] = field(default_factory=dict)  # by stream offset
    aggregates: Deltas = field(default_factory=dict)  # the sums, zeros left out


class FakeProjectionUnitOfWork:
    """Works on a copy of ``state`` that replaces it on commit: leaving without commit, or
    with an error, changes nothing."""

    def __init__(self, state: ProjectionState | None = None) -> None:
        self.state = state or ProjectionState()
        self.commits = 0
        self._work: ProjectionState | None = None

    @property
    def work(self) -> ProjectionState:
        if self._work is None:
            raise RuntimeError("the unit of work is not open")
        return self._work

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self.state)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work = None

    async def commit(self) -> None:
        self.state = self.work
        self._work = copy.deepcopy(self.state)
        self.commits += 1

    async def position(self) -> int | None:
        return self.work.position

    async def first_deliveries(self, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        new = set(event_ids) - self.work.applied
        self.work.applied |= new
        return new

    async def load(self, placement_ids: Collection[uuid.UUID]) -> ProjectionRows:
        work = self.work
        return ProjectionRows(  # copies, as rows read from a database are
            [copy.copy(r) for i, r in work.placements.items() if i in placement_ids],
            [copy.copy(c) for c in work.certificates.values() if c.placement_id in placement_ids],
            [copy.copy(a) for (i, _), a in work.assessments.items() if i in placement_ids],
            [v for (i, _), v in work.value_added.items() if i in placement_ids],
        )

    async def save(self, projection: Projection) -> None:
        work = self.work
        for i in projection.changed_placements:
            work.placements[i] = copy.copy(projection.placements[i])
        for i in projection.changed_certificates:
            work.certificates[i] = copy.copy(projection.certificates[i])
        for key in projection.changed_assessments:
            work.assessments[key] = copy.copy(projection.assessments[key])
        for key in projection.changed_value_added:
            work.value_added[key] = projection.value_added[key]
        work.modules = {k: m for k, m in work.modules.items() if k[0] not in projection.modules}
        for rows in projection.modules.values():
            work.modules.update({(m.placement_id, m.module): copy.copy(m) for m in rows})

    async def add_to_aggregates(self, placement_ids: Collection[uuid.UUID], sign: Sign) -> None:
        """As the SQL does: the placements' facts from their stored rows, at every span."""
        work = self.work
        deltas: Deltas = {}
        for placement_id in placement_ids:
            row = work.placements.get(placement_id)
            if row is not None:
                modules = [m for (p, _), m in work.modules.items() if p == placement_id]
                value_added = [v for (p, _), v in work.value_added.items() if p == placement_id]
                aggregates.add(deltas, row, aggregates.facts(row, modules, value_added), sign)
        sums = work.aggregates
        for key, values in deltas.items():
            total = [a + b for a, b in zip(sums.get(key, [0] * len(values)), values, strict=True)]
            if any(total):
                sums[key] = total
            else:
                sums.pop(key, None)

    async def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        for rejection in rejections:
            self.work.rejections.setdefault(rejection.offset, rejection)

    async def move_position(self, offset: int) -> None:
        self.work.position = offset

    async def empty(self) -> None:
        self._work = ProjectionState()


def _is_a_port(uow: FakeProjectionUnitOfWork) -> ProjectionUnitOfWork:
    return uow  # mypy checks here that the fake implements the port


class FakeReferenceUnitOfWork:
    """The register and the targets in memory; a change shows only after commit."""

    def __init__(
        self, register: OrganisationRegister, targets: dict[int, dict[str, int]] | None = None
    ) -> None:
        self.committed_register = register
        self.committed_targets = targets or {}
        self._register = register
        self._targets = copy.deepcopy(self.committed_targets)

    async def __aenter__(self) -> Self:
        self._register = self.committed_register
        self._targets = copy.deepcopy(self.committed_targets)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.committed_register = self._register
        self.committed_targets = copy.deepcopy(self._targets)

    async def register(self) -> OrganisationRegister:
        return self._register

    async def targets(self) -> dict[int, dict[str, int]]:
        return copy.deepcopy(self._targets)

    async def save_register(self, register: OrganisationRegister) -> None:
        self._register = register

    async def replace_targets(self, year: int, placements: dict[str, int]) -> None:
        self._targets[year] = dict(placements)


def _is_a_reference_port(uow: FakeReferenceUnitOfWork) -> ReferenceUnitOfWork:
    return uow
