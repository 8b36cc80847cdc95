"""The organisation register and the targets in PostgreSQL, and loading them from files."""

from __future__ import annotations

from collections import defaultdict
from importlib.resources import files
from pathlib import Path

import asyncpg
import yaml

from contracts.organisations import DEFAULT_REGISTER, OrganisationRegister, load_register
from reporting.domain.reference import TargetsFile, unknown_committees

DEFAULT_TARGETS = Path(str(files("reporting") / "reference_data" / "targets.yaml"))


class RegisterMissing(LookupError):
    """No organisation register in the database (the service loads one at start-up)."""


def read_targets_file(path: Path) -> dict[int, dict[str, int]]:
    """Read and validate a targets file (raises ``pydantic.ValidationError`` or ``OSError``)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        year: dict(placements)
        for year, placements in TargetsFile.model_validate(document).targets.items()
    }


async def register(conn: asyncpg.Connection) -> OrganisationRegister:
    document = await conn.fetchval("SELECT document FROM organisation_register")
    if document is None:
        raise RegisterMissing("no organisation register loaded")
    return OrganisationRegister.model_validate_json(document)


async def save_register(conn: asyncpg.Connection, value: OrganisationRegister) -> None:
    await conn.execute(
        """INSERT INTO organisation_register (document) VALUES ($1::jsonb)
           ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document, updated_at = now()""",
        value.model_dump_json(),
    )


async def targets(conn: asyncpg.Connection, year: int | None = None) -> dict[int, dict[str, int]]:
    rows = await conn.fetch(
        """SELECT year, committee, placements FROM targets
            WHERE $1::integer IS NULL OR year = $1 ORDER BY year, committee""",
        year,
    )
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[row["year"]][row["committee"]] = row["placements"]
    return dict(result)


async def replace_targets(conn: asyncpg.Connection, year: int, placements: dict[str, int]) -> None:
    await conn.execute("DELETE FROM targets WHERE year = $1", year)
    await conn.executemany(
        "INSERT INTO targets (year, committee, placements) VALUES ($1, $2, $3)",
        [(year, committee, count) for committee, count in sorted(placements.items())],
    )


async def load_files_once(
    pool: asyncpg.Pool, organisations: Path | None, targets_file: Path | None
) -> list[str]:
    """Load the register and the targets from their files unless they were loaded before:
    after that, the API is where they change. Returns what was loaded now."""
    loaded: list[str] = []
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE reference_loaded")  # replicas starting together
        done = {r["what"] for r in await conn.fetch("SELECT what FROM reference_loaded")}
        if "organisations" not in done:
            path = organisations or DEFAULT_REGISTER
            await save_register(conn, load_register(path))
            await _mark_loaded(conn, "organisations", path)
            loaded.append(f"organisations from {path}")
        if "targets" not in done:
            path = targets_file or DEFAULT_TARGETS
            known = await register(conn)
            for year, placements in read_targets_file(path).items():
                if unknown := unknown_committees(known, placements):
                    raise ValueError(f"{path}: {year}: committees not in the register: {unknown}")
                await replace_targets(conn, year, placements)
            await _mark_loaded(conn, "targets", path)
            loaded.append(f"targets from {path}")
    return loaded


async def _mark_loaded(conn: asyncpg.Connection, what: str, path: Path) -> None:
    await conn.execute(
        "INSERT INTO reference_loaded (what, source) VALUES ($1, $2)", what, str(path)
    )
