"""The hand-computed city of ``scenario.py``, corrected: one correction of each kind and a
withdrawal, and the same city as it would have been recorded right the first time (the truth
every figure must equal).

    P6  end corrected (seq 5): 2026-12-31 E → 2026-11-30 A
    P1  first assessment (språk A2, seq 2) corrected (seq 8) to sociala färdigheter 2: moved
        to another module
    P3  second assessment (allmänna 2, seq 3) corrected (seq 5) to 4: declined → improved
    P1  planned mervärde of its start (förstärkning av arbetslaget) corrected (seq 9) to
        ökad service till invånare
    P4  planned mervärde (språkutveckling, seq 2) corrected (seq 7) to realised
        arbetslivserfarenhet; terms corrected (seq 6): planned end 2027-05-31, although
        extensions (seq 3 and 4) said 2027-11-30
    P2  terms corrected (seq 6): extratjänst, 100 %, up to 24, from 2026-03-01 (was
        kommunal arbetsmarknadsanställning, 50 %, 25 and over, from 2026-02-01)
    P5  withdrawn (seq 4): it counts nowhere (it was active and ended in 2026, lönebidrag)
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from contracts.events import (
    AssessmentCorrected,
    AssessmentCorrectedPayload,
    Envelope,
    ModuleAssessed,
    PlacementDetailsCorrected,
    PlacementDetailsCorrectedPayload,
    PlacementEndCorrected,
    PlacementEndCorrectedPayload,
    PlacementStarted,
    PlacementWithdrawn,
    PlacementWithdrawnPayload,
    ValueAdded,
    ValueAddedCorrected,
    ValueAddedCorrectedPayload,
    ValueAddedRecorded,
    Workplace,
    assessment_id,
    value_added_entries,
)
from tests.integration.reporting.scenario import ORG, P, scenario_events

WHY = {"reason": "Fel uppgift registrerad", "corrected_by": "handläggare"}


def end_corrected_event(name: str, seq: int, end: date, outcome: str) -> PlacementEndCorrected:
    return PlacementEndCorrected(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=PlacementEndCorrectedPayload(end_date=end, outcome=outcome, **WHY),
    )


def assessment_corrected_event(
    name: str, seq: int, of: ModuleAssessed, module: str, level: str, on: date
) -> AssessmentCorrected:
    return AssessmentCorrected(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=AssessmentCorrectedPayload(
            assessment_id=assessment_id(of),
            module=module,
            level=level,
            assessed_on=on,
            assessor_role="handledare",
            **WHY,
        ),
    )


def value_corrected_event(
    name: str, seq: int, entry_id: uuid.UUID, stage: str, beneficiary: str, category: str
) -> ValueAddedCorrected:
    return ValueAddedCorrected(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=ValueAddedCorrectedPayload(
            entry_id=entry_id,
            stage=stage,
            value_added=ValueAdded(beneficiary=beneficiary, category=category),
            **WHY,
        ),
    )


def details_corrected_event(
    name: str,
    seq: int,
    start: date,
    planned_end: date,
    rate: int,
    age_band: str,
    placement_type: str,
) -> PlacementDetailsCorrected:
    return PlacementDetailsCorrected(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=PlacementDetailsCorrectedPayload(
            placement_type=placement_type,
            age_band=age_band,
            workplace=Workplace(name="Arbetsplatsen"),
            role="Assistent",
            employment_rate=rate,
            start_date=start,
            planned_end_date=planned_end,
            **WHY,
        ),
    )


def withdrawn_event(name: str, seq: int) -> PlacementWithdrawn:
    return PlacementWithdrawn(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=PlacementWithdrawnPayload(reason="Registrerad av misstag", withdrawn_by="admin"),
    )


def _find(events: list[Envelope], cls: type[Any], name: str, seq: int) -> Any:
    [event] = [
        e for e in events if isinstance(e, cls) and e.placement_id == P[name] and e.sequence == seq
    ]
    return event


def corrections(events: list[Envelope]) -> list[Envelope]:
    """The corrections and the withdrawal of ``events`` (one ``scenario_events()``: the
    corrections name its assessments and mervärde entries by id)."""
    p1_start = _find(events, PlacementStarted, "P1", 1)
    [(p1_planned, _, _)] = value_added_entries(p1_start)
    p4_planned = _find(events, ValueAddedRecorded, "P4", 2)
    return [
        end_corrected_event("P6", 5, date(2026, 11, 30), "A"),
        assessment_corrected_event(
            "P1",
            8,
            _find(events, ModuleAssessed, "P1", 2),
            "sociala-fardigheter",
            "2",
            date(2025, 11, 1),
        ),
        assessment_corrected_event(
            "P3",
            5,
            _find(events, ModuleAssessed, "P3", 3),
            "allmanna-kompetenser",
            "4",
            date(2026, 4, 10),
        ),
        value_corrected_event(
            "P1", 9, p1_planned, "planned", "workplace", "okad-service-till-invanare"
        ),
        value_corrected_event(
            "P4",
            7,
            value_added_entries(p4_planned)[0][0],
            "realised",
            "individual",
            "arbetslivserfarenhet",
        ),
        details_corrected_event(
            "P4", 6, date(2026, 6, 1), date(2027, 5, 31), 100, "up_to_24", "extratjanst"
        ),
        details_corrected_event(
            "P2", 6, date(2026, 3, 1), date(2026, 7, 31), 100, "up_to_24", "extratjanst"
        ),
        withdrawn_event("P5", 4),
    ]


# what the corrected events should have said, by (placement, event type, sequence)
RIGHT_FIRST_TIME: dict[tuple[str, str, int], dict[str, Any]] = {
    ("P6", "PlacementEnded", 4): {"end_date": date(2026, 11, 30), "outcome": "A"},
    ("P1", "ModuleAssessed", 2): {"module": "sociala-fardigheter", "level": "2"},
    ("P3", "ModuleAssessed", 3): {"level": "4"},
    ("P1", "PlacementStarted", 1): {
        "planned_value_added": [
            ValueAdded(beneficiary="workplace", category="okad-service-till-invanare")
        ]
    },
    ("P4", "ValueAddedRecorded", 2): {
        "stage": "realised",
        "value_added": ValueAdded(beneficiary="individual", category="arbetslivserfarenhet"),
    },
    ("P4", "PlacementStarted", 1): {"planned_end_date": date(2027, 5, 31)},
    ("P2", "PlacementStarted", 1): {
        "placement_type": "extratjanst",
        "employment_rate": 100,
        "age_band": "up_to_24",
        "start_date": date(2026, 3, 1),
    },
}
NAMES = {placement_id: name for name, placement_id in P.items()}


def truth_events() -> list[Envelope]:
    """The same city recorded right the first time: no corrections, no P4 extensions (its
    corrected terms replace them), no P5."""
    truth: list[Envelope] = []
    for event in scenario_events():
        name = NAMES[event.placement_id]
        if name == "P5" or (name, event.event_type) == ("P4", "PlacementUpdated"):
            continue
        changes = RIGHT_FIRST_TIME.get((name, event.event_type, event.sequence))
        if changes:
            typed: Any = event  # the payload is declared by each event class
            event = event.model_copy(update={"payload": typed.payload.model_copy(update=changes)})
        truth.append(event)
    return truth


# --- the corrected year 2026, by hand ----------------------------------------------------------
#
# Active: P1 P2 P3 P4 P6 P8 (P5 withdrawn). Rate × active days:
#   P1 100 × 90 = 9 000;  P2 100 × 153 (03-01..07-31) = 15 300;  P3 75 × 46 = 3 450
#   P4 100 × 214 = 21 400;  P6 100 × 91 (09-01..11-30) = 9 100;  P8 60 × 17 = 1 020
#   total 59 270 → 59 270 / 36 500 = 1.6238 → 1.62
CORRECTED_2026: dict[str, Any] = {
    "totals": {"started": 5, "active": 6, "ended": 4, "fte": 1.62},
    # extratjanst: P1 P2 P3 P4 P6; nothing of the kommunal type or lönebidrag any more
    "by_type": {
        "extratjanst": {"started": 4, "active": 5, "ended": 4},
        "kommunal-arbetsmarknadsanstallning": {"started": 0, "active": 0, "ended": 0},
        "lonebidrag": {"started": 0, "active": 0, "ended": 0},
    },
    "delivered_by_committee": {"ks": 2, "asn": 2, "kn": 2},
    # ended: P1 A, P2 B, P3 C, P6 A (corrected from E)
    "outcomes": {"ended": 4, "work": 2, "studies": 1, "work_or_studies": 3},
    # P1 10 days, P2 20 days (still ended 07-31), P3 30 days; P6 none
    "certificates": {"ended": 4, "certified": 3, "coverage": 0.75},
    # P1 språk now B1 alone, sociala 2 alone; P6 språk B1→B2; P2 sociala 2→2; P3 allmänna 3→4
    "progression": {
        "sprak": {"compared": 1, "improved": 1, "single": 1},
        "sociala-fardigheter": {"compared": 1, "same": 1, "single": 1},
        "allmanna-kompetenser": {"compared": 1, "improved": 1, "declined": 0},
    },
    # P1: planned ökad service (corrected), realised förstärkning and arbetslivserfarenhet;
    # P4: realised arbetslivserfarenhet (corrected from planned språkutveckling)
    "value_added": {
        "forstarkning-av-arbetslaget": {"planned": 0, "realised": 1},
        "arbetslivserfarenhet": {"planned": 0, "realised": 2},
        "sprakutveckling": {"planned": 0, "realised": 0},
        "okad-service-till-invanare": {"planned": 1, "realised": 0},
    },
}
