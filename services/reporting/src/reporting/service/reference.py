"""Changing the reference data through the API, with the checks between register and targets."""

from __future__ import annotations

from contracts.organisations import OrganisationRegister
from reporting.domain.reference import committees_with_targets_missing, unknown_committees
from reporting.service.ports import ReferenceUnitOfWork


class ReferenceConflict(ValueError):
    """The change would leave register and targets disagreeing."""


async def replace_register(uow: ReferenceUnitOfWork, register: OrganisationRegister) -> None:
    async with uow:
        orphaned = committees_with_targets_missing(register, await uow.targets())
        if orphaned:
            raise ReferenceConflict(
                "committees with targets would be missing from the register: " + ", ".join(orphaned)
            )
        await uow.save_register(register)
        await uow.commit()


async def replace_targets(uow: ReferenceUnitOfWork, year: int, placements: dict[str, int]) -> None:
    async with uow:
        unknown = unknown_committees(await uow.register(), placements)
        if unknown:
            raise ReferenceConflict("committees not in the register: " + ", ".join(unknown))
        await uow.replace_targets(year, placements)
        await uow.commit()
