"""Errors the domain raises; the API turns them into 4xx answers."""

from __future__ import annotations


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
