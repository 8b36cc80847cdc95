"""A hand-computed city: nine placements in three committees, published as stream messages in
an awkward order (out of order within placements, duplicates, unusable messages), with every
figure of the report worked out by hand below.

Placements ([start, effective end], rate, who), with their committee (via the förvaltning):

    P1 sk/ks  2025-10-01 – 2026-03-31 ended A  100 %  female up_to_24  extratjanst
    P2 sk/ks  2026-02-01 – 2026-07-31 ended B   50 %  male   25_plus   kommunal arb.anst.
    P3 asf/asn 2026-03-01 – 2026-04-15 ended C  75 %  female 25_plus   extratjanst (plan: 05-31)
    P4 asf/asn 2026-06-01 – 2027-11-30 ongoing 100 %  male   up_to_24  extratjanst (extended twice)
    P5 asf/asn 2024-01-15 – 2026-01-20 ended D  80 %  female 25_plus   lonebidrag
    P6 kf/kn  2026-09-01 – 2026-12-31 ended E  100 %  male   25_plus   extratjanst
    P7 kf/kn  2025-03-01 – 2025-12-31 ended A  100 %  female up_to_24  extratjanst (all in 2025)
    P8 kf/kn  2026-12-15 – 2027-06-14 ongoing  60 %  male   up_to_24  nystartsjobb
    P9 kf     only a PlacementEnded arrived: never counted

Targets for 2026 (set through the API): ks 2, asn 5, kn 1 (8 in all).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from contracts.events import (
    CertificateIssued,
    CertificateIssuedPayload,
    CertificateRevoked,
    CertificateRevokedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    PlacementEnded,
    PlacementEndedPayload,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementUpdatedPayload,
    ValueAdded,
    ValueAddedRecorded,
    ValueAddedRecordedPayload,
    Workplace,
)

TARGETS_2026 = {"ks": 2, "asn": 5, "kn": 1}

P = {
    name: uuid.UUID(int=index)
    for index, name in enumerate(["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"], 1)
}
ORG = {
    "P1": "sk",
    "P2": "sk",
    "P3": "asf",
    "P4": "asf",
    "P5": "asf",
    "P6": "kf",
    "P7": "kf",
    "P8": "kf",
    "P9": "kf",
}
C3A, C3B = uuid.UUID(int=301), uuid.UUID(int=302)


@dataclass(frozen=True)
class Message:
    routing_key: str
    body: bytes


def started_event(
    name: str,
    start: date,
    planned_end: date,
    rate: int,
    gender: str,
    age_band: str,
    placement_type: str,
    planned: list[ValueAdded] | None = None,
) -> PlacementStarted:
    return PlacementStarted(
        producer=ORG[name],
        placement_id=P[name],
        sequence=1,
        payload=PlacementStartedPayload(
            participant_ref="0f" * 32,
            gender=gender,
            age_band=age_band,
            placement_type=placement_type,
            workplace=Workplace(name="Arbetsplatsen"),
            role="Assistent",
            employment_rate=rate,
            start_date=start,
            planned_end_date=planned_end,
            planned_value_added=planned or [],
        ),
    )


def assessed_event(name: str, seq: int, module: str, level: str, on: date) -> ModuleAssessed:
    return ModuleAssessed(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=ModuleAssessedPayload(
            module=module, level=level, assessed_on=on, assessor_role="handledare"
        ),
    )


def value_event(
    name: str, seq: int, stage: str, beneficiary: str, category: str
) -> ValueAddedRecorded:
    return ValueAddedRecorded(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=ValueAddedRecordedPayload(
            stage=stage,
            value_added=ValueAdded(beneficiary=beneficiary, category=category),
        ),
    )


def ended_event(name: str, seq: int, end: date, outcome: str) -> PlacementEnded:
    return PlacementEnded(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=PlacementEndedPayload(end_date=end, outcome=outcome),
    )


def updated_event(name: str, seq: int, planned_end: date) -> PlacementUpdated:
    return PlacementUpdated(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=PlacementUpdatedPayload(planned_end_date=planned_end),
    )


def issued_event(
    name: str, seq: int, certificate: uuid.UUID, at: datetime, supersedes: uuid.UUID | None = None
) -> CertificateIssued:
    return CertificateIssued(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=CertificateIssuedPayload(
            certificate_id=certificate,
            certificate_number=f"INT-{certificate.int}",
            organisation=ORG[name],
            issued_at=at,
            supersedes=supersedes,
        ),
    )


def revoked_event(
    name: str, seq: int, certificate: uuid.UUID, superseded_by: uuid.UUID | None
) -> CertificateRevoked:
    return CertificateRevoked(
        producer=ORG[name],
        placement_id=P[name],
        sequence=seq,
        payload=CertificateRevokedPayload(
            certificate_id=certificate,
            organisation=ORG[name],
            revoked_at=datetime(2026, 5, 20, 8, tzinfo=UTC),
            reason="Rättad uppgift" if superseded_by else "Utfärdat av misstag",
            superseded_by=superseded_by,
        ),
    )


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def scenario_events() -> list[Envelope]:
    """The valid events, in publishing order (deliberately not sequence order)."""
    p2_started = started_event(
        "P2",
        date(2026, 2, 1),
        date(2026, 7, 31),
        50,
        "male",
        "25_plus",
        "kommunal-arbetsmarknadsanstallning",
    )
    p6_first_assessment = assessed_event("P6", 2, "sprak", "B1", date(2026, 9, 15))
    c5 = uuid.UUID(int=501)
    return [
        # P1: spans the turn of the year; mervärde planned and realised (one realised twice)
        started_event(
            "P1",
            date(2025, 10, 1),
            date(2026, 3, 31),
            100,
            "female",
            "up_to_24",
            "extratjanst",
            [ValueAdded(beneficiary="workplace", category="forstarkning-av-arbetslaget")],
        ),
        assessed_event("P1", 2, "sprak", "A2", date(2025, 11, 1)),
        assessed_event("P1", 3, "sprak", "B1", date(2026, 3, 15)),
        value_event("P1", 4, "realised", "workplace", "forstarkning-av-arbetslaget"),
        value_event("P1", 5, "realised", "individual", "arbetslivserfarenhet"),
        value_event("P1", 6, "realised", "individual", "arbetslivserfarenhet"),
        ended_event("P1", 7, date(2026, 3, 31), "A"),
        issued_event("P1", 1, uuid.UUID(int=101), _utc(2026, 4, 10, 8)),
        # P2: its PlacementStarted is delivered twice (the outbox is at-least-once)
        p2_started,
        assessed_event("P2", 2, "sociala-fardigheter", "2", date(2026, 3, 1)),
        p2_started,
        assessed_event("P2", 3, "sociala-fardigheter", "2", date(2026, 6, 1)),
        assessed_event("P2", 4, "praktiskt-kunnande", "3", date(2026, 6, 1)),
        ended_event("P2", 5, date(2026, 7, 31), "B"),
        issued_event("P2", 1, uuid.UUID(int=201), _utc(2026, 8, 20, 10)),
        # P3: the first certificate's revocation arrives before its issue; re-issued corrected.
        # 2026-05-14 22:30 UTC is 2026-05-15 in Malmö (CEST): 30 days after the end, not 29.
        ended_event("P3", 4, date(2026, 4, 15), "C"),
        revoked_event("P3", 2, C3A, superseded_by=C3B),
        started_event(
            "P3", date(2026, 3, 1), date(2026, 5, 31), 75, "female", "25_plus", "extratjanst"
        ),
        assessed_event("P3", 2, "allmanna-kompetenser", "3", date(2026, 3, 10)),
        assessed_event("P3", 3, "allmanna-kompetenser", "2", date(2026, 4, 10)),
        issued_event("P3", 1, C3A, _utc(2026, 5, 14, 22, 30)),
        issued_event("P3", 3, C3B, _utc(2026, 5, 20, 9), supersedes=C3A),
        # P4: the second extension (seq 4) arrives before the first (seq 3)
        started_event(
            "P4", date(2026, 6, 1), date(2027, 5, 31), 100, "male", "up_to_24", "extratjanst"
        ),
        value_event("P4", 2, "planned", "individual", "sprakutveckling"),
        updated_event("P4", 4, date(2027, 11, 30)),
        updated_event("P4", 3, date(2027, 8, 31)),
        assessed_event("P4", 5, "sprak", "A1", date(2026, 7, 1)),
        # P5: started in 2024; its certificate was revoked without a replacement
        started_event(
            "P5", date(2024, 1, 15), date(2025, 12, 31), 80, "female", "25_plus", "lonebidrag"
        ),
        updated_event("P5", 2, date(2026, 6, 30)),
        ended_event("P5", 3, date(2026, 1, 20), "D"),
        issued_event("P5", 1, c5, _utc(2026, 2, 1, 9)),
        revoked_event("P5", 2, c5, superseded_by=None),
        # P6: the later assessment arrives first, and the earlier one twice
        started_event(
            "P6", date(2026, 9, 1), date(2027, 2, 28), 100, "male", "25_plus", "extratjanst"
        ),
        assessed_event("P6", 3, "sprak", "B2", date(2026, 12, 1)),
        p6_first_assessment,
        p6_first_assessment,
        ended_event("P6", 4, date(2026, 12, 31), "E"),
        # P7: all of it in 2025; certificate in 2026
        started_event(
            "P7",
            date(2025, 3, 1),
            date(2025, 12, 31),
            100,
            "female",
            "up_to_24",
            "extratjanst",
            [ValueAdded(beneficiary="workplace", category="forstarkning-av-arbetslaget")],
        ),
        ended_event("P7", 2, date(2025, 12, 31), "A"),
        issued_event("P7", 1, uuid.UUID(int=701), _utc(2026, 1, 5, 9)),
        # P8: starts in the last fortnight of 2026
        started_event(
            "P8", date(2026, 12, 15), date(2027, 6, 14), 60, "male", "up_to_24", "nystartsjobb"
        ),
        # P9: only its end arrived (its start is lost upstream): not a counted placement
        ended_event("P9", 5, date(2026, 5, 5), "A"),
    ]


def unusable_messages() -> list[tuple[Message, str]]:
    """Messages the projection must record and skip, with the reason expected."""
    p1_foreign = updated_event("P1", 8, date(2026, 12, 31)).model_copy(update={"producer": "kf"})
    level = assessed_event("P2", 6, "sprak", "Z9", date(2026, 7, 1))
    mismatch = started_event(
        "P8", date(2026, 1, 1), date(2026, 2, 1), 100, "male", "25_plus", "extratjanst"
    )
    mismatch = mismatch.model_copy(update={"placement_id": uuid.UUID(int=999)})
    teleported = {**_document(level), "event_type": "PlacementTeleported"}
    return [
        (Message("sk.PlacementStarted", b"{not json"), "malformed"),
        # the stream binds known event types only, so the unknown type comes under a known key
        (Message("sk.PlacementStarted", _json(teleported)), "unknown_event_type"),
        (Message("sk.PlacementStarted", mismatch.model_dump_json().encode()), "producer-mismatch"),
        (
            Message("kf.PlacementUpdated", p1_foreign.model_dump_json().encode()),
            "foreign_placement",
        ),
        (Message("sk.ModuleAssessed", level.model_dump_json().encode()), "unknown_level"),
    ]


def _document(event: Envelope) -> dict[str, Any]:
    return event.model_dump(mode="json")


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def messages() -> list[Message]:
    """Everything published, in order: the valid events, then the unusable messages."""
    return [Message(e.routing_key, e.model_dump_json().encode()) for e in scenario_events()] + [
        m for m, _ in unusable_messages()
    ]


UNIQUE_VALID_EVENTS = len({e.event_id for e in scenario_events()})


# --- the figures, by hand ----------------------------------------------------------------------
#
# Year 2026: 365 days. Active (start ≤ 12-31 and effective end ≥ 01-01): P1 P2 P3 P4 P5 P6 P8.
# Rate × active days in 2026:
#   P1 100 × 90  (01-01..03-31: 31+28+31)            =  9 000
#   P2  50 × 181 (02-01..07-31: 28+31+30+31+30+31)   =  9 050
#   P3  75 × 46  (03-01..04-15: 31+15)               =  3 450
#   P4 100 × 214 (06-01..12-31: 30+31+31+30+31+30+31) = 21 400
#   P5  80 × 20  (01-01..01-20)                      =  1 600
#   P6 100 × 122 (09-01..12-31: 30+31+30+31)         = 12 200
#   P8  60 × 17  (12-15..12-31)                      =  1 020
#   total 57 720 → FTE 57 720 / (100 × 365) = 1.5814 → 1.58

YEAR_2026: dict[str, Any] = {
    "totals": {"started": 5, "active": 7, "ended": 5, "fte": 1.58},  # started P2 P3 P4 P6 P8
    "by_committee": {
        # ks: P1 P2; rate-days 9 000 + 9 050 = 18 050 → 18 050 / 36 500 = 0.4945
        "ks": {"started": 1, "active": 2, "ended": 2, "fte": 0.49},
        # asn: P3 P4 P5; 3 450 + 21 400 + 1 600 = 26 450 → 0.7247
        "asn": {"started": 2, "active": 3, "ended": 2, "fte": 0.72},
        # kn: P6 P8 (P7 ended 2025-12-31); 12 200 + 1 020 = 13 220 → 0.3622
        "kn": {"started": 2, "active": 2, "ended": 1, "fte": 0.36},
        "sn": {"started": 0, "active": 0, "ended": 0, "fte": 0.0},
    },
    "by_administration": {
        "sk": {"committee": "ks", "active": 2},
        "asf": {"committee": "asn", "active": 3},
        "kf": {"committee": "kn", "active": 2},
    },
    "by_type": {
        # P1 P3 P4 P6: 9 000 + 3 450 + 21 400 + 12 200 = 46 050 → 1.2616
        "extratjanst": {"started": 3, "active": 4, "ended": 3, "fte": 1.26},
        "kommunal-arbetsmarknadsanstallning": {
            "started": 1,
            "active": 1,
            "ended": 1,
            "fte": 0.25,
        },  # 9 050 → 0.2479
        "lonebidrag": {"started": 0, "active": 1, "ended": 1, "fte": 0.04},  # 1 600 → 0.0438
        "nystartsjobb": {"started": 1, "active": 1, "ended": 0, "fte": 0.03},  # 1 020 → 0.0279
        "introduktionsjobb": {"started": 0, "active": 0, "ended": 0, "fte": 0.0},
    },
    "by_gender": {
        # female P1 P3 P5: 9 000 + 3 450 + 1 600 = 14 050 → 0.3849
        "female": {"started": 1, "active": 3, "ended": 3, "fte": 0.38},
        # male P2 P4 P6 P8: 9 050 + 21 400 + 12 200 + 1 020 = 43 670 → 1.1964
        "male": {"started": 4, "active": 4, "ended": 2, "fte": 1.2},
    },
    "by_age_band": {
        # up_to_24 P1 P4 P8: 9 000 + 21 400 + 1 020 = 31 420 → 0.8608
        "up_to_24": {"started": 2, "active": 3, "ended": 1, "fte": 0.86},
        # 25_plus P2 P3 P5 P6: 9 050 + 3 450 + 1 600 + 12 200 = 26 300 → 0.7205
        "25_plus": {"started": 3, "active": 4, "ended": 4, "fte": 0.72},
    },
    # delivered = active; targets ks 2 (met), asn 5 (unmet: 3, −2), kn 1 (met: 2); 7 of 8
    "delivery": {
        "target_year": 2026,
        "delivered": 7,
        "target": 8,
        "attainment": 0.875,
        "committees": {
            "ks": {"delivered": 2, "target": 2, "difference": 0, "attainment": 1.0, "met": True},
            "asn": {"delivered": 3, "target": 5, "difference": -2, "attainment": 0.6, "met": False},
            "kn": {"delivered": 2, "target": 1, "difference": 1, "attainment": 2.0, "met": True},
            "sn": {
                "delivered": 0,
                "target": None,
                "difference": None,
                "attainment": None,
                "met": None,
            },
        },
    },
    # ended in 2026: P1 A, P2 B, P3 C, P5 D, P6 E (P9 never started) → one each of 5
    "outcomes": {
        "ended": 5,
        "by_code": {code: {"count": 1, "share": 0.2} for code in "ABCDE"},
        "work": 1,
        "studies": 1,
        "work_or_studies": 2,
        "work_share": 0.2,
        "studies_share": 0.2,
        "work_or_studies_share": 0.4,
        # ks: A B → 2/2; asn: C D → 0/2; kn: E → 0/1
        "by_committee": {
            "ks": {"ended": 2, "work_or_studies": 2, "share": 1.0},
            "asn": {"ended": 2, "work_or_studies": 0, "share": 0.0},
            "kn": {"ended": 1, "work_or_studies": 0, "share": 0.0},
            "sn": {"ended": 0, "work_or_studies": 0, "share": None},
        },
        # female P1 A, P3 C, P5 D → 1/3; male P2 B, P6 E → 1/2
        "by_gender": {
            "female": {"ended": 3, "work_or_studies": 1, "share": 0.3333},
            "male": {"ended": 2, "work_or_studies": 1, "share": 0.5},
        },
        # up_to_24 P1 A → 1/1; 25_plus P2 B, P3 C, P5 D, P6 E → 1/4
        "by_age_band": {
            "up_to_24": {"ended": 1, "work_or_studies": 1, "share": 1.0},
            "25_plus": {"ended": 4, "work_or_studies": 1, "share": 0.25},
        },
    },
    # months from start to the day after the end:
    #   P1 2025-10-01 → 2026-04-01 = 6 → 3–6;   P2 02-01 → 08-01 = 6 → 3–6
    #   P3 03-01 → 04-16 < 3 → <3;   P5 2024-01-15 → 2026-01-21 > 24 → >24;   P6 09-01 → 01-01 = 4
    "time_in_placement": {
        "under_3": {"count": 1, "share": 0.2},
        "3_to_6": {"count": 3, "share": 0.6},
        "6_to_24": {"count": 0, "share": 0.0},
        "over_24": {"count": 1, "share": 0.2},
    },
    # certified: P1 (04-10: 10 days), P2 (08-20: 20 days), P3 (first certificate, superseded by
    # a corrected one: 05-15 Malmö time, 30 days); P5 revoked without replacement; P6 none.
    # 3 of 5; days 10, 20, 30: median = rank ⌈0.5·3⌉ = 2 → 20; p90 = rank ⌈0.9·3⌉ = 3 → 30
    "certificates": {
        "ended": 5,
        "certified": 3,
        "coverage": 0.6,
        "median_days": 20,
        "p90_days": 30,
    },
    # active in 2026: P1 planned+realised förstärkning, realised arbetslivserfarenhet (recorded
    # twice, one placement); P4 planned språkutveckling. P7 (2025) does not count.
    "value_added": {
        "forstarkning-av-arbetslaget": {"planned": 1, "realised": 1},
        "arbetslivserfarenhet": {"planned": 0, "realised": 1},
        "sprakutveckling": {"planned": 1, "realised": 0},
        "okad-service-till-invanare": {"planned": 0, "realised": 0},
    },
    # ended in 2026: P1 språk A2→B1 up; P6 språk B1→B2 up (B2 arrived first); P2 sociala 2→2
    # same, praktiskt 3 once; P3 allmänna 3→2 down. P4 (ongoing) does not count.
    "progression": {
        "sprak": {
            "compared": 2,
            "improved": 2,
            "same": 0,
            "declined": 0,
            "single": 0,
            "improved_share": 1.0,
            "same_share": 0.0,
            "declined_share": 0.0,
        },
        "sociala-fardigheter": {
            "compared": 1,
            "improved": 0,
            "same": 1,
            "declined": 0,
            "single": 0,
            "improved_share": 0.0,
            "same_share": 1.0,
            "declined_share": 0.0,
        },
        "allmanna-kompetenser": {
            "compared": 1,
            "improved": 0,
            "same": 0,
            "declined": 1,
            "single": 0,
            "improved_share": 0.0,
            "same_share": 0.0,
            "declined_share": 1.0,
        },
        "praktiskt-kunnande": {
            "compared": 0,
            "improved": 0,
            "same": 0,
            "declined": 0,
            "single": 1,
            "improved_share": None,
            "same_share": None,
            "declined_share": None,
        },
    },
    # (started, active, ended, delivered to date) per month, from the table of placements:
    "trend": [
        ("2026-01", 0, 2, 1, 2),  # P1 P5 active; P5 ends 01-20
        ("2026-02", 1, 2, 0, 3),  # P2 starts; P1 P2
        ("2026-03", 1, 3, 1, 4),  # P3 starts; P1 P2 P3; P1 ends
        ("2026-04", 0, 2, 1, 4),  # P2 P3; P3 ends 04-15
        ("2026-05", 0, 1, 0, 4),  # P2
        ("2026-06", 1, 2, 0, 5),  # P4 starts; P2 P4
        ("2026-07", 0, 2, 1, 5),  # P2 P4; P2 ends
        ("2026-08", 0, 1, 0, 5),  # P4
        ("2026-09", 1, 2, 0, 6),  # P6 starts; P4 P6
        ("2026-10", 0, 2, 0, 6),
        ("2026-11", 0, 2, 0, 6),
        ("2026-12", 1, 3, 1, 7),  # P8 starts; P4 P6 P8; P6 ends 12-31
    ],
}

# Delår 2026 (01-01..08-31, 243 days): active P1 P2 P3 P4 P5; started P2 P3 P4; ended P1 P2 P3 P5.
# Rate-days: P1 9 000, P2 9 050, P3 3 450, P4 100 × 92 (06-01..08-31) = 9 200, P5 1 600
# = 32 300 → 32 300 / 24 300 = 1.3292 → 1.33. ks 2 of 2; asn 3 of 5; kn 0 of 1 → 5 of 8.
# Outcomes A B C D: 2 of 4 to work or studies.
INTERIM_2026: dict[str, Any] = {
    "period": {"start": "2026-01-01", "end": "2026-08-31", "days": 243},
    "totals": {"started": 3, "active": 5, "ended": 4, "fte": 1.33},
    "delivery": {"delivered": 5, "target": 8, "attainment": 0.625},
    "delivered_by_committee": {"ks": (2, True), "asn": (3, False), "kn": (0, False)},
    "work_or_studies_share": 0.5,
}

# Tertial 3 2026 (09-01..12-31, 122 days): active P4 P6 P8; started P6 P8; ended P6.
# Rate-days: P4 100 × 122 + P6 100 × 122 + P8 60 × 17 = 25 420 → 25 420 / 12 200 = 2.0836
TERTIAL_3_2026 = {"started": 2, "active": 3, "ended": 1, "fte": 2.08}

# March 2026 (31 days): active P1 P2 P3; started P3; ended P1.
# Rate-days: 100 × 31 + 50 × 31 + 75 × 31 = 6 975 → 6 975 / 3 100 = 2.25
MARCH_2026 = {"started": 1, "active": 3, "ended": 1, "fte": 2.25}

# Custom 2025-12-15..2026-01-10 (27 days, two years: no target): active P1 P5 P7; none started;
# P7 ended 12-31 (A; certificate 2026-01-05: 5 days). Rate-days: P1 100 × 27 + P5 80 × 27 +
# P7 100 × 17 = 6 560 → 6 560 / 2 700 = 2.4296. Months: December (cut) P1 P5 P7 active,
# P7 ends; January 1–10: P1 P5; delivered to date 3 and 3.
CUSTOM_TURN_OF_YEAR: dict[str, Any] = {
    "totals": {"started": 0, "active": 3, "ended": 1, "fte": 2.43},
    "delivery": {"target_year": None, "delivered": 3, "target": None, "attainment": None},
    "work_or_studies_share": 1.0,
    "certificates": {"ended": 1, "certified": 1, "coverage": 1.0, "median_days": 5, "p90_days": 5},
    "trend": [("2025-12", 0, 3, 1, 3), ("2026-01", 0, 2, 0, 3)],
}


# --- checks ----------------------------------------------------------------------------------

FIGURES = ("started", "active", "ended", "fte")


def by_code(rows: list[dict[str, Any]], key: str = "code") -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def pick(row: dict[str, Any], keys: Any) -> dict[str, Any]:
    return {k: row[k] for k in keys}


def trend(report: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    return [
        (m["month"], m["started"], m["active"], m["ended"], m["delivered_to_date"])
        for m in report["trend"]
    ]


def assert_year_2026(report: dict[str, Any]) -> None:
    """Every figure of the year 2026 report is the hand-computed one."""
    expected = YEAR_2026

    assert report["period"] == {
        "kind": "year",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "label": "År 2026",
        "days": 365,
    }
    assert report["totals"] == expected["totals"]
    for name in ("by_committee", "by_type", "by_gender", "by_age_band"):
        rows = by_code(report[name])
        for code, figures in expected[name].items():
            assert pick(rows[code], FIGURES) == figures, (name, code)
    administrations = by_code(report["by_administration"])
    for code, figures in expected["by_administration"].items():
        assert pick(administrations[code], figures) == figures
    assert {g["code"] for g in report["by_committee"]} >= {"ks", "asn", "kn", "sn", "tn"}

    delivery = report["delivery"]
    assert pick(delivery, ("target_year", "delivered", "target", "attainment")) == {
        k: v for k, v in expected["delivery"].items() if k != "committees"
    }
    committees = by_code(delivery["committees"], "committee")
    for code, figures in expected["delivery"]["committees"].items():
        assert pick(committees[code], figures) == figures, code

    outcomes, want = report["outcomes"], expected["outcomes"]
    assert pick(outcomes, [k for k in want if not k.startswith("by_")]) == {
        k: v for k, v in want.items() if not k.startswith("by_")
    }
    assert {c: pick(r, ("count", "share")) for c, r in by_code(outcomes["by_code"]).items()} == (
        want["by_code"]
    )
    for split in ("by_committee", "by_gender", "by_age_band"):
        rows = by_code(outcomes[split])
        for code, figures in want[split].items():
            assert pick(rows[code], figures) == figures, (split, code)

    durations = by_code(report["time_in_placement"], "bucket")
    assert {b: pick(r, ("count", "share")) for b, r in durations.items()} == (
        expected["time_in_placement"]
    )
    assert report["certificates"] == expected["certificates"]

    value_added = by_code(report["value_added"], "category")
    for category, figures in expected["value_added"].items():
        assert pick(value_added[category], figures) == figures, category
    assert sum(v["planned"] + v["realised"] for v in report["value_added"]) == 4

    progression = by_code(report["progression"], "module")
    for module, figures in expected["progression"].items():
        assert pick(progression[module], figures) == figures, module

    assert trend(report) == expected["trend"]
