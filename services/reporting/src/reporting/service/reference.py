"""Changing the reference data through the API, with the checks between register and targets."""

from __future__ import annotations

import asyncpg

from contracts.organisations import OrganisationRegister
from reporting.adapters import reference_store
from reporting.domain.reference import committees_with_targets_missing, unknown_committees


class ReferenceConflict(ValueError):
    """The change would leave register and targets disagreeing."""


async def replace_register(pool: asyncpg.Pool, register: OrganisationRegister) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE targets IN SHARE ROW EXCLUSIVE MODE")
        orphaned = committees_with_targets_missing(register, await reference_store.targets(conn))
        if orphaned:
            raise ReferenceConflict(
                "committees with targets would be missing from the register: " + ", ".join(orphaned)
            )
        await reference_store.save_register(conn, register)


async def replace_targets(pool: asyncpg.Pool, year: int, placements: dict[str, int]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE organisation_register IN SHARE ROW EXCLUSIVE MODE")
        unknown = unknown_committees(await reference_store.register(conn), placements)
        if unknown:
            raise ReferenceConflict("committees not in the register: " + ", ".join(unknown))
        await reference_store.replace_targets(conn, year, placements)
