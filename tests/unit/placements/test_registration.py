"""Registering a placement, through its handler, on the in-memory fakes."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from contracts.events import ParticipantIdentified, PlacementStarted
from contracts.personnummer import Personnummer
from placements.domain.errors import RuleViolation
from placements.domain.pseudonym import participant_ref
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    AMINA,
    KF,
    PSEUDONYM_KEY,
    SF,
    person_of,
    register,
    registration,
)
from tools.samples import personnummer


async def test_registering_commits_the_start_and_the_identity_with_sequence_one() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow)
    started, identified = uow.committed
    assert isinstance(started, PlacementStarted)
    assert isinstance(identified, ParticipantIdentified)
    assert started.sequence == identified.sequence == 1
    assert started.producer == identified.producer == "sf"
    assert started.placement_id == identified.placement_id == placement.id
    assert started.correlation_id == identified.correlation_id == SF.correlation_id
    assert started.payload.planned_value_added[0].category == "okad-service-till-invanare"
    assert uow.db.placements[placement.id].status == "active"
    assert uow.db.placements[placement.id].sequence == 1


async def test_the_participant_is_pseudonymised_and_identified_only_on_its_own_event() -> None:
    uow = FakeUnitOfWork()
    await register(uow)
    started, identified = uow.committed
    assert isinstance(started, PlacementStarted)
    assert isinstance(identified, ParticipantIdentified)
    digits = Personnummer.parse(AMINA).digits
    assert started.payload.participant_ref == participant_ref(PSEUDONYM_KEY, Personnummer(digits))
    assert len(started.payload.participant_ref) == 64
    for secret in (digits, AMINA, "Amina", "Hassan", "Karin"):
        assert secret not in started.model_dump_json()
    assert identified.payload.personnummer == digits
    assert (identified.payload.given_name, identified.payload.family_name) == ("Amina", "Hassan")
    assert identified.payload.supervisor_name == "Karin Nilsson"


@pytest.mark.parametrize("written", [AMINA, AMINA.replace("-", ""), AMINA.replace("-", "+")])
async def test_every_way_of_writing_a_personnummer_gives_one_person(written: str) -> None:
    uow = FakeUnitOfWork()
    command = registration(
        participant={"personnummer": written, "given_name": "Amina", "family_name": "Hassan"}
    )
    placement = await register(uow, command)
    digits = Personnummer.parse(AMINA).digits
    assert person_of(placement).personnummer.digits == digits
    assert placement.participant_ref == participant_ref(PSEUDONYM_KEY, Personnummer(digits))


async def test_the_same_person_has_the_same_reference_in_every_forvaltning() -> None:
    uow = FakeUnitOfWork()
    in_sf = await register(uow, req=SF)
    in_kf = await register(uow, req=KF)
    assert in_sf.participant_ref == in_kf.participant_ref
    assert in_sf.organisation == "sf"
    assert in_kf.organisation == "kf"


async def test_a_samordningsnummer_flows_through_with_its_real_birth_date() -> None:
    samordningsnummer = personnummer("20050375", "412")  # born 15 March 2005, day + 60
    uow = FakeUnitOfWork()
    placement = await register(
        uow,
        registration(
            participant={
                "personnummer": samordningsnummer,
                "given_name": "Amina",
                "family_name": "Hassan",
            }
        ),
    )
    started, identified = uow.committed
    assert isinstance(started, PlacementStarted)
    assert isinstance(identified, ParticipantIdentified)
    assert person_of(placement).personnummer.is_coordination_number
    assert identified.payload.personnummer == samordningsnummer.replace("-", "")
    assert started.payload.age_band == "up_to_24"  # 20 on 12 January 2026
    assert started.payload.gender == "female"


@pytest.mark.parametrize(
    ("born", "start", "band"),
    [
        ("20010112", "2026-01-11", "up_to_24"),  # the day before the 25th birthday
        ("20010112", "2026-01-12", "25_plus"),  # the birthday
    ],
)
async def test_the_age_band_is_taken_on_the_start_date(born: str, start: str, band: str) -> None:
    uow = FakeUnitOfWork()
    await register(
        uow,
        registration(
            participant={
                "personnummer": personnummer(born, "413"),
                "given_name": "Ali",
                "family_name": "Said",
            },
            start_date=start,
        ),
    )
    started = uow.committed[0]
    assert isinstance(started, PlacementStarted)
    assert started.payload.age_band == band
    assert started.payload.gender == "male"


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"placement_type": "sommarjobb"}, "placement_type", "unknown placement type"),
        (
            {"planned_value_added": [{"beneficiary": "workplace", "category": "simning"}]},
            "planned_value_added.0.category",
            "unknown mervärde category",
        ),
        (
            {
                "planned_value_added": [
                    {"beneficiary": "workplace", "category": "okad-service-till-invanare"},
                    {"beneficiary": "individual", "category": "okad-service-till-invanare"},
                ]
            },
            "planned_value_added.1.category",
            "is for the workplace, not the individual",
        ),
    ],
)
async def test_registration_checks_the_reference_data(
    overrides: dict[str, object], field: str, says: str
) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(RuleViolation) as refused:
        await register(uow, registration(**overrides))
    assert (refused.value.field, refused.value.rule) == (field, "reference_data")
    assert says in refused.value.message
    assert uow.committed == []
    assert uow.db.placements == {}


async def test_the_planned_end_is_not_before_the_start() -> None:
    with pytest.raises(ValidationError) as invalid:
        registration(start_date="2026-01-12", planned_end_date="2026-01-11")
    assert invalid.value.errors()[0]["type"] == "dates_in_order"

    # The aggregate holds the rule too, whoever builds the command.
    uow = FakeUnitOfWork()
    command = registration().model_copy(update={"planned_end_date": date(2026, 1, 11)})
    with pytest.raises(RuleViolation) as refused:
        await register(uow, command)
    assert (refused.value.field, refused.value.rule) == ("planned_end_date", "dates_in_order")
    assert uow.committed == []


async def test_a_placement_may_end_as_planned_on_its_first_day() -> None:
    uow = FakeUnitOfWork()
    placement = await register(uow, registration(planned_end_date="2026-01-12"))
    assert placement.terms.planned_end_date == placement.terms.start_date


@pytest.mark.parametrize("rate", [0, 101])
async def test_the_employment_rate_is_a_percentage(rate: int) -> None:
    with pytest.raises(ValidationError):
        registration(employment_rate=rate)

    uow = FakeUnitOfWork()
    with pytest.raises(RuleViolation) as refused:
        await register(uow, registration().model_copy(update={"employment_rate": rate}))
    assert (refused.value.field, refused.value.rule) == ("employment_rate", "range")
    assert uow.committed == []
