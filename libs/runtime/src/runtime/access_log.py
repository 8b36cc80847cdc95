"""The access log of personal data, shared by every service that holds identity data.

A use case that hands out a participant's identity (name, personnummer, a certificate's PDF)
records an :class:`Access` on its unit of work, in the same transaction as the read, and
commits before the answer leaves: no identity leaves unlogged. The table is append-only in the
database (a trigger refuses UPDATE, DELETE and TRUNCATE: ``migrations/access_log``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import asyncpg

from runtime.postgres import MigrationSource, runtime_migrations

MIGRATIONS: MigrationSource = runtime_migrations("access_log")


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
    """Only reads of this förvaltning's placements (a förvaltning's own log); None for all."""
    placement_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    """Keyset cursor: the id of the last row seen."""
    limit: int = field(default=100)


class AccessLog(Protocol):
    """Where a use case records its reads of identity data."""

    async def record(self, access: Access) -> None: ...


class PostgresAccessLog:
    """The log on the unit of work's connection: it commits with the read."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record(self, access: Access) -> None:
        r = access.reader
        await self._conn.execute(
            """INSERT INTO access_log (who, role, organisation, action, owners, placement_ids,
                   correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            r.who,
            r.role,
            r.organisation,
            r.action,
            list(access.owners),
            list(access.placement_ids),
            r.correlation_id,
        )


async def read_access_log(pool: asyncpg.Pool, query: AccessLogFilter) -> list[LoggedAccess]:
    """A page of the log, newest first."""
    conditions: list[str] = ["TRUE"]
    args: list[object] = []

    def where(sql: str, value: object) -> None:
        args.append(value)
        conditions.append(sql.format(f"${len(args)}"))

    if query.owner is not None:
        where("owners @> ARRAY[{}]::text[]", query.owner)
    if query.placement_id is not None:
        where("placement_ids @> ARRAY[{}]::uuid[]", query.placement_id)
    if query.since is not None:
        where("at >= {}", query.since)
    if query.until is not None:
        where("at < {}", query.until)
    if query.before is not None:
        where("id < {}", query.before)
    args.append(query.limit)
    rows = await pool.fetch(
        f"""SELECT id, at, who, role, organisation, action, owners, placement_ids,
                   correlation_id
              FROM access_log WHERE {" AND ".join(conditions)}
             ORDER BY id DESC LIMIT ${len(args)}""",
        *args,
    )
    return [LoggedAccess(**dict(r)) for r in rows]
