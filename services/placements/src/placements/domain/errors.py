"""Errors the domain raises; the API turns them into 4xx answers."""

from __future__ import annotations

import uuid
from datetime import date


class RuleViolation(ValueError):
    """A business rule refused the change. ``field`` is the request field it concerns (dotted
    path), ``rule`` a stable machine-readable name, the message says it for people."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message


class PlacementNotFound(LookupError):
    """No such placement for this förvaltning (another förvaltning's placement included)."""


class OverlappingPlacement(ValueError):
    """The participant already has an active placement with this förvaltning over the same
    time, and the request did not say that the overlap is intended (often a double entry)."""

    def __init__(self, existing: uuid.UUID) -> None:
        super().__init__(
            f"the participant already has an active placement {existing} over the same time; "
            "send overlap_intended: true if both are meant"
        )
        self.existing = existing


class FactNotFound(LookupError):
    """A correction names an assessment or mervärde entry the placement does not have.
    ``field`` is the path parameter that named it (``assessment_id``, ``entry_id``)."""

    def __init__(self, field: str, fact_id: uuid.UUID) -> None:
        super().__init__(f"this placement has no {field.removesuffix('_id')} {fact_id}")
        self.field = field
        self.fact_id = fact_id


class PlacementIsWithdrawn(Exception):
    """The placement was withdrawn (makulerad): it is kept as an audit trail, and nothing,
    not even a correction, changes it any more."""

    def __init__(self, placement_id: uuid.UUID) -> None:
        super().__init__(
            f"placement {placement_id} was withdrawn; a withdrawn placement cannot be changed"
        )
        self.placement_id = placement_id


class CertificateNotFound(LookupError):
    """No such certificate of this förvaltning, or the certificates service cannot be asked."""


class IdentityErased(Exception):
    """The participant's identity was erased after the retention period: the placement stays
    for the statistics, and nothing changes it any more."""

    def __init__(self, placement_id: uuid.UUID, erased_on: date | None) -> None:
        when = f" on {erased_on.isoformat()}" if erased_on else ""
        super().__init__(
            f"the identity data of placement {placement_id} was erased{when} after the "
            "retention period; the placement can no longer be changed"
        )
        self.placement_id = placement_id
