"""The access log in PostgreSQL: written on the unit of work's connection (it commits with
the read), read back a page at a time for ``GET /access-log``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import asyncpg

from runtime.access_log import Access, AccessLogFilter, LoggedAccess
from runtime.postgres import MigrationSource, Write, runtime_migrations

MIGRATIONS: MigrationSource = runtime_migrations("access_log")
_COLUMNS = "id, at, who, role, organisation, action, owners, placement_ids, correlation_id"


class PostgresAccessLog:
    """The log on the unit of work's connection: it commits with the read. Given
    ``at_commit`` (a unit of work's ``write_at_commit``), a read is written with the commit's
    other writes instead of on a round trip of its own."""

    def __init__(
        self, conn: asyncpg.Connection, at_commit: Callable[[Write], None] | None = None
    ) -> None:
        self._conn = conn
        self._at_commit = at_commit

    async def record(self, access: Access) -> None:
        r = access.reader
        write: Write = (
            """INSERT INTO access_log (who, role, organisation, action, owners, placement_ids,
                   correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            (
                r.who,
                r.role,
                r.organisation,
                r.action,
                list(access.owners),
                list(access.placement_ids),
                r.correlation_id,
            ),
        )
        if self._at_commit is not None:
            self._at_commit(write)
        else:
            await self._conn.execute(write[0], *write[1])

    async def reads_of(self, placement_ids: Sequence[uuid.UUID]) -> list[LoggedAccess]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM access_log WHERE placement_ids && $1::uuid[] ORDER BY id",
            list(placement_ids),
        )
        return [LoggedAccess(**dict(r)) for r in rows]


async def read_access_log(pool: asyncpg.Pool, query: AccessLogFilter) -> list[LoggedAccess]:
    """A page of the log, newest first."""
    conditions: list[str] = ["TRUE"]
    args: list[object] = []

    def where(sql: str, value: object) -> None:
        args.append(value)
        conditions.append(sql.format(f"${len(args)}"))

    if query.owner is not None:  # its own reads (a search that found no one too), and others'
        where("(organisation = {0} OR owners @> ARRAY[{0}]::text[])", query.owner)
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
        f"""SELECT {_COLUMNS} FROM access_log WHERE {" AND ".join(conditions)}
             ORDER BY id DESC LIMIT ${len(args)}""",
        *args,
    )
    return [LoggedAccess(**dict(r)) for r in rows]
