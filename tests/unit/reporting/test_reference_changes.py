"""Changing the reference data through the handlers: register and targets never disagree."""

from __future__ import annotations

import pytest

from contracts.organisations import OrganisationRegister, load_register
from reporting.service.reference import ReferenceConflict, replace_register, replace_targets
from tests.unit.reporting.fakes import FakeReferenceUnitOfWork

REGISTER = load_register()
FIRST, *OTHERS = [c.code for c in REGISTER.committees]


async def test_targets_of_known_committees_are_replaced() -> None:
    uow = FakeReferenceUnitOfWork(REGISTER, {2026: {FIRST: 10}})
    await replace_targets(uow, 2026, {FIRST: 12, OTHERS[0]: 3})
    assert uow.committed_targets == {2026: {FIRST: 12, OTHERS[0]: 3}}


async def test_targets_of_an_unknown_committee_conflict_and_change_nothing() -> None:
    uow = FakeReferenceUnitOfWork(REGISTER, {2026: {FIRST: 10}})
    with pytest.raises(ReferenceConflict, match="committees not in the register: nowhere"):
        await replace_targets(uow, 2026, {FIRST: 12, "nowhere": 3})
    assert uow.committed_targets == {2026: {FIRST: 10}}


async def test_a_register_without_a_committee_that_has_targets_conflicts() -> None:
    smaller = OrganisationRegister(committees=REGISTER.committees[1:])
    uow = FakeReferenceUnitOfWork(REGISTER, {2026: {FIRST: 10}})
    with pytest.raises(ReferenceConflict, match=FIRST):
        await replace_register(uow, smaller)
    assert uow.committed_register == REGISTER


async def test_a_register_keeping_every_committee_with_targets_is_saved() -> None:
    smaller = OrganisationRegister(committees=REGISTER.committees[:1])
    uow = FakeReferenceUnitOfWork(REGISTER, {2026: {FIRST: 10}})
    await replace_register(uow, smaller)
    assert uow.committed_register == smaller
