"""PostgreSQL plumbing: connection pools, creating a service's database, and migrations.

Migrations are plain SQL files named ``NNN_description.sql``, applied in order, each in its own
transaction, and recorded in ``schema_migrations``. An advisory lock lets several replicas start
at once without applying anything twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from runtime.logging import get_logger

log = get_logger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, timed out
    asyncpg.PostgresError,
    asyncpg.InterfaceError,  # "the underlying connection is closed", e.g. in a rollback
)
"""What a loop that must outlive the database (a relay, a monitor) waits out and retries."""

UNREACHABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # lost, refused or not yet accepting connections
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,  # the server is shutting down or crash-restarting
    ConnectionError,  # refused or reset sockets
    TimeoutError,  # connecting, or a pool's acquire, timed out
)


def unreachable(error: BaseException) -> bool:
    """The database cannot be reached right now: not the fault of what was being done, so
    the honest thing is to wait and try again (a 503, a held message), not to fail it."""
    if isinstance(error, asyncpg.InterfaceError):
        # asyncpg reports "connection is closed" with the same type as misuse of a connection
        return "closed" in str(error)
    return isinstance(error, UNREACHABLE)


_MIGRATION_LOCK = 7_340_211  # arbitrary, constant advisory-lock key for migrations


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, reset=_roll_back_leftovers
    )
    assert pool is not None
    return pool


async def _roll_back_leftovers(conn: asyncpg.Connection) -> None:
    """Replaces asyncpg's reset-on-release (RESET ALL, UNLISTEN *, …: one round trip per
    release). Our pooled connections keep no session state: LISTEN runs on its own
    connection and advisory locks are released where taken; only a transaction that a
    cancelled task left open needs ending."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


Write = tuple[str, Sequence[object]]
"""One statement that changes rows, and its arguments (``$1``… as asyncpg numbers them)."""

_PARAMETER = re.compile(r"\$(\d+)")
MAX_ARGUMENTS = 32767
"""The most arguments one statement takes (the protocol counts them in 16 bits)."""


async def write_together(conn: asyncpg.Connection, writes: Sequence[Write]) -> None:
    """Several writes in one round trip: each becomes a data-modifying ``WITH`` part of one
    statement, its parameters renumbered after the ones before. PostgreSQL runs every part to
    completion on one snapshot, so no part may read what another writes, nor change a row
    another changes; foreign keys are checked at the end of the statement. A write's SQL must
    not hold a ``$`` outside its parameters (no dollar quoting)."""
    if len(writes) == 1 or sum(len(values) for _, values in writes) > MAX_ARGUMENTS:
        for sql, values in writes:
            await conn.execute(sql, *values)
        return
    parts: list[str] = []
    arguments: list[object] = []
    for sql, values in writes:
        parts.append(f"w{len(parts)} AS ({_renumbered(sql, len(arguments))})")
        arguments.extend(values)
    if parts:
        await conn.execute(f"WITH {', '.join(parts)} SELECT", *arguments)


def _renumbered(sql: str, offset: int) -> str:
    return _PARAMETER.sub(lambda number: f"${int(number[1]) + offset}", sql)


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


@asynccontextmanager
async def connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection of its own, closed when the block ends (for commands and checks that
    need no pool)."""
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


async def ensure_database(dsn: str, *, maintenance_db: str = "postgres") -> None:
    """Create the DSN's database if it does not exist (needs CREATEDB on the role).

    Replicas starting together may both find it missing; the one that loses the race to
    create it finds it there, which is all it wanted."""
    name = database_name(dsn)
    async with connection(_with_database(dsn, maintenance_db)) as conn:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            return  # created by a replica between the check and ours
        log.info("database created", database=name)


async def drop_database(dsn: str, *, maintenance_db: str = "postgres") -> None:
    async with connection(_with_database(dsn, maintenance_db)) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(dsn)}" WITH (FORCE)')


@dataclass(frozen=True)
class Migration:
    source: str
    name: str
    sql: str

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class MigrationSource:
    """A named folder of ``NNN_*.sql`` files, e.g. the runtime's ``outbox`` or a service's own."""

    name: str
    folder: Traversable | Path

    def migrations(self) -> list[Migration]:
        entries = [e for e in self.folder.iterdir() if e.name.endswith(".sql")]
        return [
            Migration(self.name, e.name, e.read_text(encoding="utf-8"))
            for e in sorted(entries, key=lambda e: e.name)
        ]


def runtime_migrations(name: str) -> MigrationSource:
    """Migrations shipped with the runtime: ``outbox`` or ``inbox``."""
    return MigrationSource(name, files("runtime") / "migrations" / name)


async def migrate(pool: asyncpg.Pool, sources: Sequence[MigrationSource]) -> list[str]:
    """Apply what has not been applied yet; refuse to run if an applied file was changed."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       key text PRIMARY KEY,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {
                r["key"]: r["checksum"]
                for r in await conn.fetch("SELECT key, checksum FROM schema_migrations")
            }
            for source in sources:
                for migration in source.migrations():
                    if migration.key in done:
                        if done[migration.key] != migration.checksum:
                            raise RuntimeError(
                                f"migration {migration.key} was changed after it was applied"
                            )
                        continue
                    async with conn.transaction():
                        await conn.execute(migration.sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations (key, checksum) VALUES ($1, $2)",
                            migration.key,
                            migration.checksum,
                        )
                    applied_now.append(migration.key)
                    log.info("migration applied", migration=migration.key)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now
