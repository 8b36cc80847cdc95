"""The placement aggregate's rules, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.events import ParticipantIdentified, PlacementEnded, PlacementStarted, Workplace
from contracts.personnummer import Personnummer
from contracts.reference import load_reference_data
from placements.domain.errors import RuleViolation
from placements.domain.model import Participant, Placement, Supervisor, Terms
from placements.domain.plausibility import Plausibility
from tools.samples import personnummer

REFERENCE = load_reference_data()
RULES = Plausibility()
TODAY = date(2027, 6, 30)


def placement(born: str = "20010601", start: date = date(2026, 5, 31)) -> Placement:
    return Placement.register(
        organisation="sf",
        participant=Participant(Personnummer.parse(personnummer(born)), "Amina", "Hassan"),
        participant_ref="ab" * 32,
        supervisor=Supervisor("Karin Nilsson"),
        terms=Terms(
            placement_type="extratjanst",
            workplace=Workplace(name="Parkförvaltningen"),
            role="Parkarbetare",
            tasks=("Plantera",),
            employment_rate=100,
            start_date=start,
            planned_end_date=date(2027, 5, 31),
        ),
        planned_value_added=[],
        reference=REFERENCE,
        rules=RULES,
        today=TODAY,
        correlation_id="c-1",
    )


def test_registering_emits_started_and_identity_with_sequence_one() -> None:
    p = placement()
    started, identity = p.events
    assert isinstance(started, PlacementStarted)
    assert isinstance(identity, ParticipantIdentified)
    assert started.sequence == identity.sequence == 1
    assert identity.payload.personnummer not in started.model_dump_json()


def test_age_band_is_taken_on_the_start_date() -> None:
    assert placement(start=date(2026, 5, 31)).age_band == "up_to_24"
    assert placement(start=date(2026, 6, 1)).age_band == "25_plus"


def test_each_change_takes_the_next_sequence() -> None:
    p = placement()
    p.change_planned_end(date(2027, 6, 30), "", REFERENCE, "c-2")
    p.end(date(2026, 12, 31), "A", REFERENCE, TODAY, "c-3")
    assert [e.sequence for e in p.events] == [1, 1, 2, 3]
    assert isinstance(p.events[-1], PlacementEnded)
    assert p.status == "ended"


def test_an_ended_placement_refuses_changes() -> None:
    p = placement()
    p.end(date(2026, 12, 31), "E", REFERENCE, TODAY, "c")
    with pytest.raises(RuleViolation) as error:
        p.end(date(2026, 12, 31), "E", REFERENCE, TODAY, "c")
    assert error.value.rule == "placement_ended"
