"""Where one placement's certificate stands: open, waiting (and why), issued, or withdrawn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = ["PlacementState", "PlacementStatus", "WaitingPlacement", "WaitingSummary"]

PlacementStatus = Literal["open", "waiting", "issued", "withdrawn"]


@dataclass
class PlacementState:
    """Where one placement's certificate stands. Loaded locked: one writer at a time."""

    placement_id: uuid.UUID
    organisation: str
    status: PlacementStatus = "open"
    ended_at: datetime | None = None
    waiting_reason: str | None = None
    missing_sequences: tuple[int, ...] = field(default_factory=tuple)
    certificate_events: int = 0
    waiting_since: datetime | None = None
    """When the current wait began: at the end, or when a correction after the certificate
    began to wait for an earlier event."""

    def next_certificate_sequence(self) -> int:
        self.certificate_events += 1
        return self.certificate_events

    def wait(self, reason: str, at: datetime, missing: tuple[int, ...] = ()) -> None:
        if self.status != "waiting":
            self.waiting_since = at
        self.status, self.waiting_reason, self.missing_sequences = "waiting", reason, missing

    def issued(self) -> None:
        self._done("issued")

    def withdrawn(self) -> None:
        """Final: the placement was registered by mistake and never gets a certificate."""
        self._done("withdrawn")

    def _done(self, status: PlacementStatus) -> None:
        self.status, self.waiting_reason, self.missing_sequences = status, None, ()
        self.waiting_since = None


@dataclass(frozen=True)
class WaitingPlacement:
    """An ended placement still without its certificate, and for how long."""

    placement_id: uuid.UUID
    organisation: str
    reason: str
    missing_sequences: tuple[int, ...]
    waiting_since: datetime
    """When it began to wait: when this service learned that the placement had ended, or
    when a correction after its certificate began to wait for an earlier event."""
    age_seconds: float


@dataclass(frozen=True)
class WaitingSummary:
    count: int
    oldest_age_seconds: float | None
