"""The access log of personal data, shared by every service that holds identity data.

A use case that hands out a participant's identity (name, personnummer, a certificate's PDF)
records an :class:`Access` on its unit of work, in the same transaction as the read, and
commits before the answer leaves: no identity leaves unlogged. This module is the model and the
port; :mod:`runtime.access_log_store` stores it in PostgreSQL, in a table that is append-only
in the database itself (``migrations/access_log``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Reader:
    """Who reads, through which route, in which user action."""

    who: str
    role: str
    organisation: str | None
    """The caller's förvaltning; None for a city-wide role (admin) or the public."""
    action: str
    correlation_id: str

    def read(self, placements: Iterable[tuple[uuid.UUID, str]]) -> Access:
        """The access to ``placements``: (placement id, owning förvaltning) pairs."""
        pairs = list(dict.fromkeys(placements))
        return Access(
            self,
            placement_ids=tuple(p for p, _ in pairs),
            owners=tuple(dict.fromkeys(o for _, o in pairs)),
        )


@dataclass(frozen=True)
class Access:
    """One read of identity data: who, what, and whose placements."""

    reader: Reader
    placement_ids: tuple[uuid.UUID, ...] = ()
    owners: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoggedAccess:
    """A row of the log as it is read back."""

    id: int
    at: datetime
    who: str
    role: str
    organisation: str | None
    action: str
    owners: list[str]
    placement_ids: list[uuid.UUID]
    correlation_id: str


@dataclass(frozen=True)
class AccessLogFilter:
    """Which rows a reader sees, one page at a time, newest first."""

    owner: str | None = None
    """A förvaltning's own log: its own reads and others' reads of its placements; None for
    all."""
    placement_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    """Keyset cursor: the id of the last row seen."""
    limit: int = 100


class AccessLog(Protocol):
    """Where a use case records its reads of identity data."""

    async def record(self, access: Access) -> None: ...

    async def reads_of(self, placement_ids: Sequence[uuid.UUID]) -> list[LoggedAccess]:
        """Every logged read of these placements, oldest first (for the register extract:
        who the data were disclosed to)."""
        ...
