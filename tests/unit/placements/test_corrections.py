"""Corrections (rättelse) and withdrawal (makulering) through their handlers, on the in-memory
fakes: each correction emits the whole corrected fact with the next sequence, its reason and
its author; the rules of the original still hold; a refused correction commits nothing; and a
withdrawn placement refuses everything afterwards."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import (
    AssessmentCorrected,
    ModuleAssessed,
    ParticipantIdentified,
    PlacementDetailsCorrected,
    PlacementEndCorrected,
    PlacementStarted,
    PlacementWithdrawn,
    ValueAddedCorrected,
    ValueAddedRecorded,
    assessment_id,
    value_added_entries,
)
from placements.domain.errors import FactNotFound, PlacementIsWithdrawn, RuleViolation
from placements.domain.model import Placement
from placements.service import commands, handlers, queries
from tests.unit.placements.fakes import FakeUnitOfWork
from tests.unit.placements.support import (
    SF,
    PlacementHandler,
    assessment,
    person_of,
    register,
    run,
    supervised,
)

END = commands.EndPlacement.model_validate({"end_date": "2026-06-30", "outcome": "A"})
REASON = {"reason": "Fel vid registreringen"}


async def registered(*, ended: bool = False) -> tuple[FakeUnitOfWork, Placement]:
    """Starts 2026-01-12, planned end 2026-12-31, one planned mervärde entry; ended
    2026-06-30 with outcome A if ``ended``."""
    uow = FakeUnitOfWork()
    placement = await register(uow)
    if ended:
        placement = await run(uow, handlers.end_placement, placement.id, END)
    return uow, placement


def on_fact(handler: Any, fact_id: uuid.UUID) -> PlacementHandler:
    """A handler on one assessment or mervärde entry, shaped like the others."""

    async def call(uow: Any, ctx: Any, req: Any, placement_id: uuid.UUID, cmd: Any) -> Placement:
        placement: Placement = await handler(uow, ctx, req, placement_id, fact_id, cmd)
        return placement

    return call


async def refused(
    uow: FakeUnitOfWork,
    handler: PlacementHandler,
    placement_id: uuid.UUID,
    command: commands.Command,
    error: type[Exception] = RuleViolation,
) -> Any:
    """The error that refused the command; nothing of it was committed."""
    committed, stored = len(uow.committed), uow.db.placements[placement_id]
    history = len(uow.db.history[placement_id])
    with pytest.raises(error) as refusal:
        await run(uow, handler, placement_id, command)
    assert len(uow.committed) == committed
    assert uow.db.placements[placement_id] == stored
    assert len(uow.db.history[placement_id]) == history
    return refusal.value


# --- the end ----------------------------------------------------------------------------------


async def test_the_outcome_is_corrected_with_reason_and_author() -> None:
    uow, placement = await registered(ended=True)
    command = commands.CorrectEnd.model_validate({"outcome": "B", **REASON})
    corrected = await run(uow, handlers.correct_end, placement.id, command)

    assert (str(corrected.end_date), corrected.outcome) == ("2026-06-30", "B")
    event = uow.committed[-1]
    assert isinstance(event, PlacementEndCorrected)
    assert (str(event.payload.end_date), event.payload.outcome) == ("2026-06-30", "B")
    assert (event.payload.reason, event.payload.corrected_by) == ("Fel vid registreringen", "sf")
    assert event.sequence == 3
    assert uow.db.placements[placement.id].outcome == "B"


async def test_the_end_date_is_corrected_keeping_the_outcome() -> None:
    uow, placement = await registered(ended=True)
    command = commands.CorrectEnd.model_validate({"end_date": "2026-05-31", **REASON})
    await run(uow, handlers.correct_end, placement.id, command)
    event = uow.committed[-1]
    assert isinstance(event, PlacementEndCorrected)
    assert (str(event.payload.end_date), event.payload.outcome) == ("2026-05-31", "A")


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"end_date": "2026-01-11"}, "end_date", "dates_in_order"),
        ({"end_date": "2027-07-01"}, "end_date", "future_date"),  # after TODAY
        ({"outcome": "F"}, "outcome", "reference_data"),
        ({"outcome": "A"}, "", "unchanged"),
        ({"end_date": "2026-06-30", "outcome": "A"}, "", "unchanged"),
        ({}, "", "unchanged"),
    ],
)
async def test_a_corrected_end_follows_the_rules_of_the_end(
    body: dict[str, Any], field: str, rule: str
) -> None:
    uow, placement = await registered(ended=True)
    command = commands.CorrectEnd.model_validate({**body, **REASON})
    violation = await refused(uow, handlers.correct_end, placement.id, command)
    assert (violation.field, violation.rule) == (field, rule)


async def test_an_earlier_end_still_holds_the_assessments() -> None:
    uow, placement = await registered()
    late = assessment(assessed_on="2026-06-15")
    await run(uow, handlers.assess_module, placement.id, late)
    await run(uow, handlers.end_placement, placement.id, END)  # 2026-06-30
    within_grace = commands.CorrectEnd.model_validate({"end_date": "2026-05-16", **REASON})
    await run(uow, handlers.correct_end, placement.id, within_grace)

    too_early = commands.CorrectEnd.model_validate({"end_date": "2026-05-15", **REASON})
    violation = await refused(uow, handlers.correct_end, placement.id, too_early)
    assert (violation.field, violation.rule) == ("end_date", "dates_in_order")


async def test_only_an_ended_placement_has_an_end_to_correct() -> None:
    uow, placement = await registered()
    command = commands.CorrectEnd.model_validate({"outcome": "B", **REASON})
    violation = await refused(uow, handlers.correct_end, placement.id, command)
    assert (violation.field, violation.rule) == ("end_date", "placement_not_ended")


# --- assessments ------------------------------------------------------------------------------


async def assessed() -> tuple[FakeUnitOfWork, Placement, uuid.UUID]:
    """A placement with one sprak assessment (sequence 2); the assessment's id."""
    uow, placement = await registered()
    placement = await run(uow, handlers.assess_module, placement.id, assessment(level="A2"))
    event = uow.committed[-1]
    assert isinstance(event, ModuleAssessed)
    return uow, placement, assessment_id(event)


async def test_an_assessment_is_known_by_the_id_of_its_event() -> None:
    _, placement, known_as = await assessed()
    assert [a.id for a in placement.assessments] == [known_as]


async def test_an_assessment_is_corrected_by_its_id_even_after_the_end() -> None:
    uow, placement, known_as = await assessed()
    await run(uow, handlers.end_placement, placement.id, END)
    command = commands.CorrectAssessment.model_validate(
        {"level": "B1", "comment": "Rätt nivå", **REASON}
    )
    corrected = await run(
        uow, on_fact(handlers.correct_assessment, known_as), placement.id, command
    )

    [recorded] = corrected.assessments
    assert (recorded.id, recorded.module, recorded.level) == (known_as, "sprak", "B1")
    assert recorded.criteria_met == ("sprak.muntlig-interaktion",)  # kept
    event = uow.committed[-1]
    assert isinstance(event, AssessmentCorrected)
    assert event.sequence == 4
    payload = event.payload
    assert (payload.assessment_id, payload.module, payload.level) == (known_as, "sprak", "B1")
    assert (payload.comment, payload.assessor_role) == ("Rätt nivå", "handledare")
    assert (payload.reason, payload.corrected_by) == ("Fel vid registreringen", "sf")


async def test_an_assessment_moves_to_another_module() -> None:
    uow, placement, known_as = await assessed()
    command = commands.CorrectAssessment.model_validate(
        {"module": "sociala-fardigheter", "level": "3", "criteria_met": [], **REASON}
    )
    corrected = await run(
        uow, on_fact(handlers.correct_assessment, known_as), placement.id, command
    )
    assert [(a.module, a.level) for a in corrected.assessments] == [("sociala-fardigheter", "3")]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"level": "3"}, "level", "reference_data"),  # sprak is on the CEFR scale
        ({"module": "sociala-fardigheter"}, "level", "reference_data"),  # A2 is not on its scale
        ({"criteria_met": ["sprak.simma"]}, "criteria_met", "reference_data"),
        ({"assessed_on": "2026-01-11"}, "assessed_on", "dates_in_order"),
        ({"assessed_on": "2027-07-01"}, "assessed_on", "future_date"),
        ({"level": "A2"}, "", "unchanged"),
    ],
)
async def test_a_corrected_assessment_follows_the_rules_of_an_assessment(
    body: dict[str, Any], field: str, rule: str
) -> None:
    uow, placement, known_as = await assessed()
    command = commands.CorrectAssessment.model_validate({**body, **REASON})
    handler = on_fact(handlers.correct_assessment, known_as)
    violation = await refused(uow, handler, placement.id, command)
    assert (violation.field, violation.rule) == (field, rule)


async def test_an_unknown_assessment_is_not_found_by_its_id() -> None:
    uow, placement, _ = await assessed()
    command = commands.CorrectAssessment.model_validate({"level": "B2", **REASON})
    handler = on_fact(handlers.correct_assessment, uuid.uuid4())
    error = await refused(uow, handler, placement.id, command, FactNotFound)
    assert error.field == "assessment_id"


# --- mervärde ---------------------------------------------------------------------------------


async def test_a_planned_entry_is_corrected_by_the_id_the_contract_gives_it() -> None:
    uow, placement = await registered()
    started = uow.committed[0]
    assert isinstance(started, PlacementStarted)
    [(entry_id, _, _)] = value_added_entries(started)
    assert [v.id for v in placement.value_added] == [entry_id]

    command = commands.CorrectValueAdded.model_validate(
        {"category": "forstarkning-av-arbetslaget", "stage": "realised", **REASON}
    )
    corrected = await run(
        uow, on_fact(handlers.correct_value_added, entry_id), placement.id, command
    )
    assert [(v.stage, v.category) for v in corrected.value_added] == [
        ("realised", "forstarkning-av-arbetslaget")
    ]
    event = uow.committed[-1]
    assert isinstance(event, ValueAddedCorrected)
    assert (event.payload.entry_id, event.payload.stage, event.sequence) == (
        entry_id,
        "realised",
        2,
    )
    assert event.payload.value_added.beneficiary == "workplace"
    assert event.payload.corrected_by == "sf"


async def test_a_recorded_entry_is_known_by_its_event() -> None:
    uow, placement = await registered()
    command = commands.RecordValueAdded.model_validate(
        {"beneficiary": "individual", "category": "sprakutveckling"}
    )
    placement = await run(uow, handlers.record_value_added, placement.id, command)
    event = uow.committed[-1]
    assert isinstance(event, ValueAddedRecorded)
    [(entry_id, _, _)] = value_added_entries(event)
    assert placement.value_added[-1].id == entry_id

    correction = commands.CorrectValueAdded.model_validate(
        {"description": "Från A2 till B1", **REASON}
    )
    corrected = await run(
        uow, on_fact(handlers.correct_value_added, entry_id), placement.id, correction
    )
    assert corrected.value_added[-1].description == "Från A2 till B1"
    assert corrected.value_added[0] == placement.value_added[0]  # the other entry is untouched


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"category": "simning"}, "reference_data"),
        ({"beneficiary": "individual"}, "reference_data"),  # the category is the workplace's
        ({"stage": "planned"}, "unchanged"),
    ],
)
async def test_a_corrected_entry_follows_the_rules_of_mervarde(
    body: dict[str, Any], rule: str
) -> None:
    uow, placement = await registered()
    entry_id = placement.value_added[0].id
    command = commands.CorrectValueAdded.model_validate({**body, **REASON})
    handler = on_fact(handlers.correct_value_added, entry_id)
    violation = await refused(uow, handler, placement.id, command)
    assert violation.rule == rule


async def test_an_unknown_entry_is_not_found_by_its_id() -> None:
    uow, placement = await registered()
    command = commands.CorrectValueAdded.model_validate({"description": "x", **REASON})
    handler = on_fact(handlers.correct_value_added, uuid.uuid4())
    error = await refused(uow, handler, placement.id, command, FactNotFound)
    assert error.field == "entry_id"


# --- details ----------------------------------------------------------------------------------


def details(**body: Any) -> commands.CorrectDetails:
    return commands.CorrectDetails.model_validate({**body, **REASON})


async def test_the_terms_are_corrected_whole_on_the_stream_without_identity() -> None:
    uow, placement = await registered(ended=True)
    command = details(workplace={"name": "Malmö stadsarkiv"}, employment_rate=50, tasks=["Arkiv"])
    corrected = await run(uow, handlers.correct_details, placement.id, command)

    assert corrected.terms.workplace.name == "Malmö stadsarkiv"
    assert corrected.terms.workplace.unit is None  # the workplace is replaced whole
    assert (corrected.terms.employment_rate, corrected.terms.tasks) == (50, ("Arkiv",))
    [event] = uow.committed[3:]
    assert isinstance(event, PlacementDetailsCorrected)
    payload = event.payload
    assert (payload.employment_rate, payload.role, payload.placement_type) == (
        50,
        "Biblioteksassistent",  # unchanged, but carried: the whole corrected terms
        "extratjanst",
    )
    assert (str(payload.start_date), str(payload.planned_end_date)) == ("2026-01-12", "2026-12-31")
    assert (payload.identity_corrected, payload.age_band, event.sequence) == (False, "25_plus", 3)


async def test_a_new_supervisor_goes_to_the_identity_route_with_the_same_sequence() -> None:
    uow, placement = await registered()
    command = details(supervisor={"name": "Per Persson"}, participant={"family_name": "Hasan"})
    corrected = await run(uow, handlers.correct_details, placement.id, command)

    assert (supervised(corrected).name, person_of(corrected).family_name) == (
        "Per Persson",
        "Hasan",
    )
    assert person_of(corrected).given_name == "Amina"
    correction, identity = uow.committed[2:]
    assert isinstance(correction, PlacementDetailsCorrected)
    assert correction.payload.identity_corrected
    assert isinstance(identity, ParticipantIdentified)
    assert identity.sequence == correction.sequence == 2
    assert (identity.payload.supervisor_name, identity.payload.family_name) == (
        "Per Persson",
        "Hasan",
    )
    assert identity.payload.personnummer == person_of(placement).personnummer.digits


async def test_a_corrected_start_gives_the_age_band_at_that_start() -> None:
    uow, placement = await registered()  # Amina, born 1999-03-15: 26 at the start
    command = details(start_date="2024-03-01", planned_end_date="2025-02-28")
    await run(uow, handlers.correct_details, placement.id, command)
    event = uow.committed[-1]
    assert isinstance(event, PlacementDetailsCorrected)
    assert (event.payload.age_band, str(event.payload.start_date)) == ("up_to_24", "2024-03-01")


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"placement_type": "sommarjobb"}, "placement_type", "reference_data"),
        ({"start_date": "2020-01-01"}, "start_date", "start_date_window"),
        ({"planned_end_date": "2026-01-11"}, "planned_end_date", "dates_in_order"),
        ({"planned_end_date": "2030-01-12"}, "planned_end_date", "max_duration"),
        ({"start_date": "2026-07-01"}, "start_date", "dates_in_order"),  # after the end
        ({"role": "Biblioteksassistent"}, "", "unchanged"),
        (
            {"supervisor": {"name": "Karin Nilsson", "email": "karin.nilsson@example.se"}},
            "",
            "unchanged",
        ),
    ],
)
async def test_corrected_details_follow_the_rules_of_a_registration(
    body: dict[str, Any], field: str, rule: str
) -> None:
    uow, placement = await registered(ended=True)
    violation = await refused(uow, handlers.correct_details, placement.id, details(**body))
    assert (violation.field, violation.rule) == (field, rule)


async def test_a_start_after_an_assessment_is_refused() -> None:
    uow, placement, _ = await assessed()  # assessed on 2026-03-01
    command = details(start_date="2026-03-02")
    violation = await refused(uow, handlers.correct_details, placement.id, command)
    assert (violation.field, violation.rule) == ("start_date", "dates_in_order")


def test_the_personnummer_cannot_be_corrected() -> None:
    with pytest.raises(ValidationError) as invalid:
        details(participant={"personnummer": "19990315-4121"})
    [error] = invalid.value.errors()
    assert (error["loc"], error["type"]) == (("participant", "personnummer"), "extra_forbidden")


@pytest.mark.parametrize(
    "model", [commands.CorrectEnd, commands.CorrectAssessment, commands.Withdraw]
)
def test_every_correction_and_withdrawal_gives_its_reason(model: type[commands.Command]) -> None:
    for body in ({}, {"reason": "  "}):
        with pytest.raises(ValidationError) as invalid:
            model.model_validate(body)
        assert invalid.value.errors()[0]["loc"] == ("reason",)


# --- withdrawal -------------------------------------------------------------------------------

WITHDRAW = commands.Withdraw.model_validate({"reason": "Registrerad två gånger"})


@pytest.mark.parametrize("ended", [False, True])
async def test_a_withdrawal_is_emitted_with_its_reason_and_author(ended: bool) -> None:
    uow, placement = await registered(ended=ended)
    withdrawn = await run(uow, handlers.withdraw, placement.id, WITHDRAW)

    assert withdrawn.status == "withdrawn"
    assert withdrawn.withdrawal is not None
    assert (withdrawn.withdrawal.reason, withdrawn.withdrawal.withdrawn_by) == (
        "Registrerad två gånger",
        "sf",
    )
    event = uow.committed[-1]
    assert isinstance(event, PlacementWithdrawn)
    assert (event.payload.reason, event.payload.withdrawn_by) == ("Registrerad två gånger", "sf")
    assert event.sequence == placement.sequence + 1
    assert withdrawn.withdrawal.withdrawn_at == event.occurred_at


@pytest.mark.parametrize(
    ("handler", "command"),
    [
        (handlers.end_placement, END),
        (handlers.assess_module, assessment()),
        (
            handlers.change_planned_end,
            commands.ChangePlannedEnd(planned_end_date=date(2027, 1, 31)),
        ),
        (handlers.correct_details, details(role="Arkivassistent")),
        (handlers.correct_end, commands.CorrectEnd.model_validate({"outcome": "B", **REASON})),
        (handlers.withdraw, WITHDRAW),
    ],
)
async def test_a_withdrawn_placement_refuses_every_change(
    handler: PlacementHandler, command: commands.Command
) -> None:
    uow, placement = await registered()
    await run(uow, handlers.withdraw, placement.id, WITHDRAW)
    await refused(uow, handler, placement.id, command, PlacementIsWithdrawn)


async def test_a_withdrawn_placements_facts_cannot_be_corrected() -> None:
    uow, placement, known_as = await assessed()
    await run(uow, handlers.withdraw, placement.id, WITHDRAW)
    command = commands.CorrectAssessment.model_validate({"level": "B2", **REASON})
    handler = on_fact(handlers.correct_assessment, known_as)
    await refused(uow, handler, placement.id, command, PlacementIsWithdrawn)


async def test_a_withdrawn_placement_is_no_overlap_for_its_registration_again() -> None:
    uow, placement = await registered()
    await run(uow, handlers.withdraw, placement.id, WITHDRAW)
    again = await register(uow)  # the same person over the same time: no 409
    assert again.id != placement.id


async def test_the_history_keeps_the_original_and_the_correction() -> None:
    uow, placement = await registered(ended=True)
    command = commands.CorrectEnd.model_validate({"outcome": "B", **REASON})
    await run(uow, handlers.correct_end, placement.id, command)
    _, history = await queries.read_placement(lambda: uow, SF, placement.id)

    assert [(h.sequence, h.event_type) for h in history] == [
        (1, "PlacementStarted"),
        (2, "PlacementEnded"),
        (3, "PlacementEndCorrected"),
    ]
    assert history[1].payload["outcome"] == "A"
    assert (
        history[2].payload.items() >= {"outcome": "B", "reason": "Fel vid registreringen"}.items()
    )
    assert history[2].payload["corrected_by"] == "sf"
