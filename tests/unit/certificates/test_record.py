"""The competence record: a certificate is built only from a complete, ended placement."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.domain.record import (
    CompetenceRecord,
    ConflictingEvents,
    Ready,
    RecordError,
    RecordState,
    Waiting,
    Withdrawn,
    build_record,
    printed,
)
from contracts.events import (
    CertificateIssued,
    CertificateIssuedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ValueAdded,
    ValueAddedRecorded,
    Workplace,
    value_added_entries,
)
from contracts.personnummer import InvalidPersonnummer, Personnummer
from contracts.reference import ReferenceData, load_reference_data
from tests.unit.certificates.factory import (
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    Placement,
    complete_placement,
)

REFERENCE: ReferenceData = load_reference_data()


def ready(state: RecordState) -> CompetenceRecord:
    assert isinstance(state, Ready), state
    return state.record


def test_a_complete_placement_gives_the_record_a_certificate_needs() -> None:
    p = complete_placement()
    record = ready(build_record(p.events, REFERENCE, p.identities))

    assert record.placement_id == p.placement_id
    assert record.producer == "servicef"
    assert (record.given_name, record.family_name) == ("Amira", "Haddad Lindqvist")
    assert record.birth_date == date(1990, 5, 17)
    assert record.supervisor_name == "Karin Ek"
    assert (record.workplace_name, record.workplace_unit) == ("Stadsbiblioteket", "Barnavdelningen")
    assert record.role == "Biblioteksassistent"
    assert record.employment_rate == 75
    assert record.start_date == date(2026, 1, 12)
    assert record.planned_end_date == date(2026, 10, 30)  # the extension, not the original
    assert record.end_date == date(2026, 10, 30)
    assert record.outcome == "A"
    assert [v.category for v in record.value_added] == [
        "sprakutveckling",
        "okad-service-till-invanare",
    ]
    assert record.last_sequence == len(p.events)


def test_the_record_never_holds_the_personnummer() -> None:
    p = complete_placement()
    record = ready(build_record(p.events, REFERENCE, p.identities))
    flat = repr(record)
    assert PERSONNUMMER not in flat
    assert PERSONNUMMER.replace("-", "") not in flat
    assert "2384" not in flat


def test_reverse_order_and_duplicated_delivery_give_the_same_record() -> None:
    p = complete_placement()
    in_order = build_record(p.events, REFERENCE, p.identities)

    reversed_ = build_record(list(reversed(p.events)), REFERENCE, list(reversed(p.identities)))
    doubled = [*p.events, *p.events[::-1], *p.events[3:5]]
    duplicated = build_record(doubled, REFERENCE, p.identities * 3)
    shuffled_events = [*p.events, *p.identities, *p.events]
    random.Random(4).shuffle(shuffled_events)
    mixed = build_record(shuffled_events, REFERENCE)  # identities mixed into the events

    assert isinstance(in_order, Ready)
    assert reversed_ == in_order
    assert duplicated == in_order
    assert mixed == in_order


def test_a_missing_module_assessment_keeps_the_record_waiting_and_names_its_sequence() -> None:
    p = complete_placement()
    missing = next(e for e in p.events if isinstance(e, ModuleAssessed))
    events = [e for e in p.events if e is not missing]

    state = build_record(events, REFERENCE, p.identities)

    assert isinstance(state, Waiting)
    assert state.missing_sequences == (missing.sequence,)
    assert f"missing sequence {missing.sequence}" in state.reason
    assert state.ended
    assert state.has_identity
    # ... and is ready once it arrives, in whatever order
    assert isinstance(build_record([*events, missing], REFERENCE, p.identities), Ready)


def test_several_missing_sequences_are_named_as_ranges() -> None:
    p = complete_placement()
    events = [e for e in p.events if e.sequence not in (2, 3, 4, 7)]
    state = build_record(events, REFERENCE, p.identities)
    assert isinstance(state, Waiting)
    assert state.missing_sequences == (2, 3, 4, 7)
    assert "missing sequences 2-4, 7" in state.reason


def test_without_identity_the_record_waits() -> None:
    p = complete_placement()
    state = build_record(p.events, REFERENCE, [])
    assert isinstance(state, Waiting)
    assert state.missing_sequences == ()
    assert state.reason == "no identity"


def test_a_placement_that_has_not_ended_waits() -> None:
    p = complete_placement()
    state = build_record(p.events[:-1], REFERENCE, p.identities)
    assert isinstance(state, Waiting)
    assert state.reason == "not ended"
    assert not state.ended


def test_an_end_that_arrives_before_earlier_events_waits_for_them() -> None:
    p = complete_placement()
    state = build_record([p.events[-1]], REFERENCE, [])
    assert isinstance(state, Waiting)
    assert state.missing_sequences == tuple(range(1, len(p.events)))
    assert state.reason == f"missing sequences 1-{len(p.events) - 1}; no identity"


def test_latest_level_and_progression_across_several_assessments() -> None:
    p = Placement()
    p.start()
    # given out of date order: the latest by assessment date counts, not by arrival
    p.assess("sprak", "B1", date(2026, 6, 1), "Mitt", ("sprak.lasforstaelse",))
    p.assess("sprak", "A1", date(2026, 2, 1), "Början")
    p.assess("sprak", "B2", date(2026, 9, 1), "Slutet", ("sprak.horforstaelse",))
    p.assess("sociala-fardigheter", "3", date(2026, 3, 1))
    p.assess("sociala-fardigheter", "2", date(2026, 8, 1), "Svårare period")
    p.assess("allmanna-kompetenser", "2", date(2026, 5, 1))
    # two on the same day: the later sequence wins
    p.assess("praktiskt-kunnande", "2", date(2026, 4, 1))
    p.assess("praktiskt-kunnande", "3", date(2026, 4, 1), "Samma dag, senare")
    p.end()

    record = ready(build_record(p.events, REFERENCE, p.identities))

    sprak = record.module("sprak")
    assert sprak is not None
    assert (sprak.first_level, sprak.latest_level) == ("A1", "B2")
    assert sprak.progressed
    assert sprak.assessments == 3
    assert sprak.comment == "Slutet"
    assert sprak.criteria_met == ("sprak.horforstaelse",)
    assert (sprak.first_assessed_on, sprak.latest_assessed_on) == (
        date(2026, 2, 1),
        date(2026, 9, 1),
    )

    social = record.module("sociala-fardigheter")
    assert social is not None
    assert (social.first_level, social.latest_level, social.progressed) == ("3", "2", False)

    general = record.module("allmanna-kompetenser")
    assert general is not None
    assert (general.first_level, general.latest_level, general.progressed) == ("2", "2", False)
    assert general.assessments == 1

    practical = record.module("praktiskt-kunnande")
    assert practical is not None
    assert (practical.latest_level, practical.progressed) == ("3", True)
    assert practical.comment == "Samma dag, senare"

    # modules in catalogue order, whatever the order of assessment
    assert [m.module for m in record.modules] == [m.code for m in REFERENCE.modules]


def test_only_assessed_modules_are_in_the_record() -> None:
    p = Placement()
    p.start()
    p.assess("praktiskt-kunnande", "1", date(2026, 3, 1))
    p.end()
    record = ready(build_record(p.events, REFERENCE, p.identities))
    assert [m.module for m in record.modules] == ["praktiskt-kunnande"]
    assert record.module("sprak") is None


def test_the_latest_identity_by_sequence_wins() -> None:
    p = complete_placement()
    p.family_name = "Haddad"
    p.identify(sequence=4, supervisor=None)  # a correction accompanying a later event
    record = ready(build_record(p.events, REFERENCE, list(reversed(p.identities))))
    assert record.family_name == "Haddad"
    assert record.supervisor_name is None


def test_two_different_events_with_one_sequence_is_an_error() -> None:
    p = complete_placement()
    original = next(e for e in p.events if isinstance(e, ModuleAssessed))
    impostor = ModuleAssessed(
        producer=original.producer,
        placement_id=original.placement_id,
        sequence=original.sequence,
        payload=ModuleAssessedPayload(
            module="sprak", level="C2", assessed_on=date(2026, 3, 1), assessor_role="handledare"
        ),
    )
    with pytest.raises(ConflictingEvents, match=f"sequence {original.sequence} is claimed by"):
        build_record([*p.events, impostor], REFERENCE, p.identities)


def test_events_of_another_placement_are_refused() -> None:
    one, other = complete_placement(), complete_placement()
    with pytest.raises(RecordError, match="two placements"):
        build_record([*one.events, other.events[2]], REFERENCE, one.identities)


def test_a_level_that_is_not_on_the_modules_scale_is_refused() -> None:
    p = Placement()
    p.start()
    p.assess("sociala-fardigheter", "B1", date(2026, 3, 1))
    p.end()
    with pytest.raises(RecordError, match="B1"):
        build_record(p.events, REFERENCE, p.identities)


# --------------------------------------------------------------------------- personnummer


def test_birth_date_from_a_personnummer_with_and_without_the_dash() -> None:
    assert birth_date("19900517-2384") == date(1990, 5, 17)
    assert birth_date("199005172384") == date(1990, 5, 17)
    assert birth_date("19121212+1212") == date(1912, 12, 12)


def test_birth_date_from_a_samordningsnummer_has_sixty_added_to_the_day() -> None:
    assert birth_date(SAMORDNINGSNUMMER) == date(1990, 5, 17)
    assert birth_date("200102881234") == date(2001, 2, 28)
    assert birth_date("19640891-0000") == date(1964, 8, 31)
    with pytest.raises(InvalidPersonnummer):
        birth_date("20010289-1234")  # 29 February 2001 does not exist


def test_a_record_from_a_samordningsnummer_has_the_real_birth_date() -> None:
    p = complete_placement(personnummer=SAMORDNINGSNUMMER)
    assert ready(build_record(p.events, REFERENCE, p.identities)).birth_date == date(1990, 5, 17)


@pytest.mark.parametrize("value", ["900517-2384", "19901317-2384", "19900232-2384", "1990051a2384"])
def test_a_number_without_a_real_birth_date_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(InvalidPersonnummer) as caught:
        birth_date(value)
    assert value not in str(caught.value)


def test_certificate_events_are_numbered_apart_and_ignored() -> None:
    p = complete_placement()
    issued = CertificateIssued(
        producer=p.producer,
        placement_id=p.placement_id,
        sequence=1,  # its own numbering: no clash with PlacementStarted
        payload=CertificateIssuedPayload(
            certificate_id=uuid.uuid4(),
            certificate_number="KI-1",
            organisation=p.producer,
            issued_at=datetime(2026, 11, 2, tzinfo=UTC),
        ),
    )
    with_certificate = build_record([issued, *p.events], REFERENCE, p.identities)
    assert with_certificate == build_record(p.events, REFERENCE, p.identities)


def test_a_correction_after_the_end_is_included_and_a_gap_after_it_waits() -> None:
    p = complete_placement()
    p.extend(date(2026, 12, 31))  # numbered after the end
    late = p.assess("allmanna-kompetenser", "2", date(2026, 10, 29))
    record = ready(build_record(p.events, REFERENCE, p.identities))
    assert record.last_sequence == late.sequence
    assert record.module("allmanna-kompetenser") is not None

    gap = build_record(
        [e for e in p.events if e.sequence != late.sequence - 1], REFERENCE, p.identities
    )
    assert isinstance(gap, Waiting)
    assert gap.missing_sequences == (late.sequence - 1,)


def test_an_absurd_sequence_does_not_exhaust_memory() -> None:
    p = complete_placement()
    ended = p.events[-1]
    far = ended.model_copy(update={"sequence": 2_000_000_000, "event_id": uuid.uuid4()})
    state = build_record([*p.events, far], REFERENCE, p.identities)
    assert isinstance(state, Waiting)
    assert len(state.missing_sequences) == 1000
    assert state.missing_sequences[0] == len(p.events) + 1
    assert "more" in state.reason


def birth_date(value: str) -> date:
    return Personnummer.parse(value, check_digit=False).birth_date


# --------------------------------------------------------------------------- corrections


def test_the_latest_end_or_end_correction_by_sequence_wins() -> None:
    p = complete_placement()
    p.correct_end(date(2026, 10, 23), "B")
    p.correct_end(date(2026, 10, 25), "D", reason="Fel igen")
    for order in (p.events, p.events[::-1]):
        record = ready(build_record(order, REFERENCE, p.identities))
        assert (record.end_date, record.outcome) == (date(2026, 10, 25), "D")


def test_an_assessment_correction_replaces_the_assessment_by_its_id() -> None:
    p = Placement()
    p.start()
    first = p.assess("sprak", "A1", date(2026, 2, 1), "Början")
    p.assess("sprak", "B1", date(2026, 6, 1), "Mitt")
    p.end()
    p.correct_assessment(first, level="A2", comment="Rättad början")

    sprak = ready(build_record(p.events[::-1], REFERENCE, p.identities)).module("sprak")

    assert sprak is not None
    assert (sprak.first_level, sprak.latest_level, sprak.assessments) == ("A2", "B1", 2)


def test_an_assessment_moved_to_another_module_leaves_the_first() -> None:
    p = Placement()
    p.start()
    p.assess("sprak", "A1", date(2026, 2, 1))
    wrong = p.assess("sprak", "B1", date(2026, 6, 1), "Fel modul")
    p.end()
    p.correct_assessment(wrong, module="sociala-fardigheter", level="3", comment="Rätt modul")

    record = ready(build_record(p.events, REFERENCE, p.identities))

    sprak, social = record.module("sprak"), record.module("sociala-fardigheter")
    assert sprak is not None
    assert social is not None
    assert (sprak.latest_level, sprak.assessments, sprak.progressed) == ("A1", 1, False)
    assert (social.latest_level, social.comment, social.assessments) == ("3", "Rätt modul", 1)


def test_a_corrected_date_can_make_an_assessment_the_latest() -> None:
    p = Placement()
    p.start()
    early = p.assess("sprak", "B2", date(2026, 2, 1), "Skrivet på fel datum")
    p.assess("sprak", "B1", date(2026, 6, 1))
    p.end()
    p.correct_assessment(early, assessed_on=date(2026, 9, 1))

    sprak = ready(build_record(p.events, REFERENCE, p.identities)).module("sprak")
    assert sprak is not None
    assert (sprak.first_level, sprak.latest_level, sprak.progressed) == ("B1", "B2", True)


def test_a_corrected_mervarde_entry_keeps_its_place_and_only_realised_ones_print() -> None:
    p = Placement()
    planned = ValueAdded(beneficiary="individual", category="arbetslivserfarenhet")
    started = p.start(planned_value_added=[planned])
    first = p.value_added("sprakutveckling")
    second = p.value_added("okad-service-till-invanare")
    p.end()
    [(planned_id, _, _)] = value_added_entries(started)
    p.correct_value_added(first.event_id, "social-gemenskap")
    p.correct_value_added(planned_id, "arbetslivserfarenhet", stage="realised")
    p.correct_value_added(second.event_id, "okad-service-till-invanare", stage="planned")

    record = ready(build_record(p.events, REFERENCE, p.identities))

    assert [v.category for v in record.value_added] == [
        "arbetslivserfarenhet",  # planned at the start, corrected to realised
        "social-gemenskap",
    ]


def test_a_details_correction_replaces_the_terms_and_the_planned_end_follows_sequence() -> None:
    p = complete_placement()  # extended to 2026-10-30 at sequence 4
    p.correct_details(
        role="Kulturassistent",
        workplace=Workplace(name="Malmö Konsthall"),
        tasks=["Guida besökare"],
        employment_rate=50,
        start_date=date(2026, 1, 19),
        planned_end_date=date(2026, 10, 15),
    )
    record = ready(build_record(p.events, REFERENCE, p.identities))
    assert (record.role, record.workplace, record.tasks) == (
        "Kulturassistent",
        "Malmö Konsthall",
        ("Guida besökare",),
    )
    assert (record.employment_rate, record.start_date) == (50, date(2026, 1, 19))
    assert record.planned_end_date == date(2026, 10, 15)

    p.extend(date(2026, 11, 30))  # a later extension wins over the correction's planned end
    later = ready(build_record(p.events, REFERENCE, p.identities))
    assert later.planned_end_date == date(2026, 11, 30)
    assert later.role == "Kulturassistent"


def test_an_identity_correction_waits_for_its_identity_and_never_prints_the_old_name() -> None:
    p = complete_placement()
    p.family_name = "Lindqvist"
    correction = p.correct_details(identity_corrected=True, reason="Namnbyte")
    new_identity = p.identities[-1]
    old_identities = p.identities[:-1]

    state = build_record(p.events, REFERENCE, old_identities)
    assert isinstance(state, Waiting)
    assert state.reason == f"no corrected identity for sequence {correction.sequence}"

    record = ready(build_record(p.events, REFERENCE, [new_identity, *old_identities]))
    assert record.participant_name == "Amira Lindqvist"


def test_a_withdrawn_placement_is_withdrawn_whatever_else_is_missing() -> None:
    p = complete_placement()
    withdrawal = p.withdraw("Dubbelregistrerad")
    expected = Withdrawn("Dubbelregistrerad", withdrawal.sequence)

    assert build_record(p.events, REFERENCE, p.identities) == expected
    assert build_record([withdrawal], REFERENCE) == expected  # before anything else
    assert build_record([p.events[0], withdrawal], REFERENCE, p.identities) == expected


def test_printed_leaves_out_what_no_certificate_shows() -> None:
    p = complete_placement()
    before = ready(build_record(p.events, REFERENCE, p.identities))
    p.correct_end(date(2026, 10, 30), "B", reason="Fel utfallskod")  # the outcome: not shown
    p.extend(date(2026, 12, 31))  # the planned end: not shown
    after = ready(build_record(p.events, REFERENCE, p.identities))
    assert (after.outcome, after.last_sequence) == ("B", before.last_sequence + 2)
    assert printed(after) == printed(before)
    p.correct_end(date(2026, 10, 29), "B")
    changed = ready(build_record(p.events, REFERENCE, p.identities))
    assert printed(changed) != printed(before)


# --------------------------------------------------------------------------- property


def _corrected_placement() -> Placement:
    """A placement with every kind of correction, some correcting a correction."""
    p = complete_placement()
    assessments = [e for e in p.events if isinstance(e, ModuleAssessed)]
    value_added = [e for e in p.events if isinstance(e, ValueAddedRecorded)]
    p.correct_end(date(2026, 10, 23), "B")
    p.correct_assessment(assessments[0], level="B1")
    p.correct_assessment(assessments[0], module="allmanna-kompetenser", level="2")
    p.correct_value_added(value_added[0].event_id, "social-gemenskap", stage="planned")
    p.family_name = "Lindqvist"
    p.correct_details(identity_corrected=True, role="Kulturassistent")
    p.correct_end(date(2026, 10, 24), "D")
    return p


CORRECTED = _corrected_placement()
CORRECTED_ALL: list[Envelope] = [*CORRECTED.events, *CORRECTED.identities]
CORRECTED_RECORD = build_record(CORRECTED.events, REFERENCE, CORRECTED.identities)


@given(
    order=st.permutations(CORRECTED_ALL),
    repeats=st.lists(st.sampled_from(CORRECTED_ALL), max_size=10),
)
def test_any_order_with_any_duplicates_gives_the_same_corrected_record(
    order: list[Envelope], repeats: list[Envelope]
) -> None:
    assert build_record([*order, *repeats], REFERENCE) == CORRECTED_RECORD


def test_the_corrected_record_is_the_corrected_truth() -> None:
    record = ready(CORRECTED_RECORD)
    assert (record.end_date, record.outcome) == (date(2026, 10, 24), "D")
    assert (record.family_name, record.role) == ("Lindqvist", "Kulturassistent")
    assert [v.category for v in record.value_added] == ["okad-service-till-invanare"]
    general = record.module("allmanna-kompetenser")
    sprak = record.module("sprak")
    assert general is not None
    assert sprak is not None
    assert (general.latest_level, general.assessments) == ("2", 1)
    assert (sprak.first_level, sprak.assessments) == ("B1", 1)


@given(dropped=st.sets(st.integers(min_value=0, max_value=len(CORRECTED.events) - 2), min_size=1))
def test_any_missing_event_before_the_last_keeps_the_record_waiting(dropped: set[int]) -> None:
    """(Without the last one, the record is what the service knows: it cannot know more.)"""
    events = [e for i, e in enumerate(CORRECTED.events) if i not in dropped]
    state = build_record(events, REFERENCE, CORRECTED.identities)
    assert isinstance(state, Waiting)
