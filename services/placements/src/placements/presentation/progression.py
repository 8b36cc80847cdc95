"""Progression over time, per module: the first and the latest assessment, and where each sits
on the module's scale (for the table and the small chart of the placement's page)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.reference import Language, ReferenceData
from placements.domain.model import Placement, RecordedAssessment

CHART_LEFT = 190
CHART_WIDTH = 360
ROW_HEIGHT = 48


@dataclass(frozen=True)
class ModuleProgress:
    code: str
    name: str
    levels: tuple[str, ...]
    first: RecordedAssessment | None
    latest: RecordedAssessment | None

    def position(self, assessment: RecordedAssessment) -> float:
        """Where the assessment's level sits on the chart's x axis."""
        return CHART_LEFT + CHART_WIDTH * self.index(assessment.level) / (len(self.levels) - 1)

    def tick(self, level: str) -> float:
        return CHART_LEFT + CHART_WIDTH * self.levels.index(level) / (len(self.levels) - 1)

    def index(self, level: str) -> int:
        return self.levels.index(level) if level in self.levels else 0

    @property
    def steps(self) -> int | None:
        if self.first is None or self.latest is None:
            return None
        return self.index(self.latest.level) - self.index(self.first.level)


def progression(
    placement: Placement, reference: ReferenceData, language: Language
) -> list[ModuleProgress]:
    """Every module of the catalogue, assessed or not, in the catalogue's order."""
    ordered = sorted(placement.assessments, key=lambda a: a.assessed_on)
    result = []
    for module in reference.modules:
        mine = [a for a in ordered if a.module == module.code]
        result.append(
            ModuleProgress(
                code=module.code,
                name=module.name.localized(language),
                levels=reference.scale(module.scale).level_codes,
                first=mine[0] if mine else None,
                latest=mine[-1] if mine else None,
            )
        )
    return result
