"""The aggregates are what the placements contribute: after any random scenario with
corrections, withdrawals and certificates, applied in any order and batching through the
handler, they equal a recomputation from the final per-placement state; and the figures read
from them over any period equal a count over the placements."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import (
    AssessmentCorrected,
    AssessmentCorrectedPayload,
    CertificateIssued,
    CertificateIssuedPayload,
    CertificateRevoked,
    CertificateRevokedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    PlacementDetailsCorrected,
    PlacementDetailsCorrectedPayload,
    PlacementEndCorrected,
    PlacementEndCorrectedPayload,
    PlacementEnded,
    PlacementEndedPayload,
    PlacementStarted,
    PlacementStartedPayload,
    PlacementUpdated,
    PlacementUpdatedPayload,
    PlacementWithdrawn,
    PlacementWithdrawnPayload,
    ValueAdded,
    ValueAddedCorrected,
    ValueAddedCorrectedPayload,
    ValueAddedRecorded,
    ValueAddedRecordedPayload,
    Workplace,
    assessment_id,
)
from contracts.reference import load_reference_data
from reporting.domain import aggregates
from reporting.domain.aggregates import Deltas, Prefix, Segment, Window, cover
from reporting.domain.intake import StreamRecord
from reporting.domain.periods import Period, PeriodKind
from reporting.domain.projection import AssessmentRow, PlacementRow, ValueAddedRow, module_rows
from reporting.domain.report import ActivityCell
from reporting.service.ingest import apply_batch
from tests.unit.reporting.fakes import FakeProjectionUnitOfWork, ProjectionState

REFERENCE = load_reference_data()
ORGANISATIONS = ["sk", "asf", "kf"]
TYPES = [t.code for t in REFERENCE.placement_types][:3]
WORKPLACES = [Workplace(name="Biblioteket"), Workplace(name="Parken", unit="Norr")]
VALUE_ADDED = [(v.beneficiary, v.code) for v in REFERENCE.value_added_categories][:3]
LEVELS = {m.code: list(m.level_descriptors) for m in REFERENCE.modules}
WHY = {"reason": "Fel uppgift", "corrected_by": "handläggare"}
FIRST = date(2025, 1, 1)


def day(rng: random.Random, after: date = FIRST, within: int = 700) -> date:
    return after + timedelta(days=rng.randrange(within))


class Life:
    """One placement's events, as its förvaltning records and corrects them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.common: dict[str, Any] = {
            "producer": rng.choice(ORGANISATIONS),
            "placement_id": uuid.UUID(int=rng.getrandbits(128)),
        }
        self.sequence = itertools.count(1)
        self.start = day(rng)
        self.events: list[Envelope] = []

    def next(self) -> dict[str, Any]:
        return {**self.common, "sequence": next(self.sequence)}

    def terms(self) -> dict[str, Any]:
        rng = self.rng
        self.start = day(rng)
        return {
            "placement_type": rng.choice(TYPES),
            "age_band": rng.choice(["up_to_24", "25_plus"]),
            "workplace": rng.choice(WORKPLACES),
            "role": "Assistent",
            "employment_rate": rng.choice([25, 50, 100]),
            "start_date": self.start,
            "planned_end_date": day(rng, self.start, 400),
        }

    def value(self) -> ValueAdded:
        beneficiary, category = self.rng.choice(VALUE_ADDED)
        return ValueAdded(beneficiary=beneficiary, category=category)

    def started(self) -> None:
        planned = [self.value() for _ in range(self.rng.randrange(3))]
        payload = PlacementStartedPayload(
            participant_ref="0f" * 32,
            gender=self.rng.choice(["female", "male"]),
            planned_value_added=planned,
            **self.terms(),
        )
        self.events.append(PlacementStarted(**self.next(), payload=payload))

    def assessed(self) -> None:
        module = self.rng.choice(sorted(LEVELS))
        earlier = [e for e in self.events if isinstance(e, ModuleAssessed)]
        payload: dict[str, Any] = {
            "module": module,
            "level": self.rng.choice(LEVELS[module]),
            "assessed_on": day(self.rng, self.start, 300),
            "assessor_role": "handledare",
        }
        if earlier and self.rng.random() < 0.4:
            of = assessment_id(self.rng.choice(earlier))
            corrected = AssessmentCorrectedPayload(assessment_id=of, **payload, **WHY)
            self.events.append(AssessmentCorrected(**self.next(), payload=corrected))
        else:
            self.events.append(
                ModuleAssessed(**self.next(), payload=ModuleAssessedPayload(**payload))
            )

    def valued(self) -> None:
        stage = self.rng.choice(["planned", "realised"])
        recorded = [e for e in self.events if isinstance(e, ValueAddedRecorded)]
        if recorded and self.rng.random() < 0.4:
            corrected = ValueAddedCorrectedPayload(
                entry_id=self.rng.choice(recorded).event_id,
                stage=stage,
                value_added=self.value(),
                **WHY,
            )
            self.events.append(ValueAddedCorrected(**self.next(), payload=corrected))
            return
        payload = ValueAddedRecordedPayload(stage=stage, value_added=self.value())
        self.events.append(ValueAddedRecorded(**self.next(), payload=payload))

    def ended(self) -> None:
        end = {"end_date": day(self.rng, self.start, 500), "outcome": self.rng.choice("ABCDE")}
        if any(isinstance(e, PlacementEnded) for e in self.events):
            payload = PlacementEndCorrectedPayload(**end, **WHY)
            self.events.append(PlacementEndCorrected(**self.next(), payload=payload))
        else:
            self.events.append(PlacementEnded(**self.next(), payload=PlacementEndedPayload(**end)))

    def corrected(self) -> None:
        payload = PlacementDetailsCorrectedPayload(**self.terms(), **WHY)
        self.events.append(PlacementDetailsCorrected(**self.next(), payload=payload))

    def extended(self) -> None:
        payload = PlacementUpdatedPayload(planned_end_date=day(self.rng, self.start, 600))
        self.events.append(PlacementUpdated(**self.next(), payload=payload))

    def certified(self) -> None:
        issued = [e for e in self.events if isinstance(e, CertificateIssued)]
        if issued and self.rng.random() < 0.5:
            revoked = CertificateRevokedPayload(
                certificate_id=self.rng.choice(issued).payload.certificate_id,
                organisation=self.common["producer"],
                revoked_at=datetime(2026, 5, 20, tzinfo=UTC),
                reason="Utfärdat av misstag",
            )
            self.events.append(CertificateRevoked(**self.next(), payload=revoked))
            return
        certificate = uuid.UUID(int=self.rng.getrandbits(128))
        payload = CertificateIssuedPayload(
            certificate_id=certificate,
            certificate_number=f"INT-{certificate.int % 1000}",
            organisation=self.common["producer"],
            issued_at=datetime.combine(day(self.rng, self.start, 600), datetime.min.time(), UTC),
        )
        self.events.append(CertificateIssued(**self.next(), payload=payload))

    def withdrawn(self) -> None:
        payload = PlacementWithdrawnPayload(reason="Av misstag", withdrawn_by="admin")
        self.events.append(PlacementWithdrawn(**self.next(), payload=payload))


def scenario(rng: random.Random, placements: int) -> list[Envelope]:
    """Placements with a random life each (every event type, corrections of every kind, some
    withdrawn, some never started on the stream), shuffled: arrival order is arbitrary."""
    events: list[Envelope] = []
    for _ in range(placements):
        life = Life(rng)
        if rng.random() < 0.9:
            life.started()
        steps = [life.assessed, life.valued, life.ended, life.corrected, life.extended]
        for _ in range(rng.randrange(8)):
            rng.choice([*steps, life.certified])()
        if rng.random() < 0.1:
            life.withdrawn()
        events += life.events
    rng.shuffle(events)
    return events


async def ingest(events: list[Envelope], rng: random.Random) -> ProjectionState:
    """Through the handler, in random batches, some events delivered twice."""
    records = [
        StreamRecord(offset, e.routing_key, e.model_dump_json().encode())
        for offset, e in enumerate(events + rng.sample(events, len(events) // 5))
    ]
    uow = FakeProjectionUnitOfWork()
    position: int | None = None
    while records:
        size = rng.randint(1, 12)
        batch, records = records[:size], records[size:]
        position = (
            await apply_batch(uow, batch, REFERENCE, expected_position=position)
        ).last_offset
    return uow.state


def recomputed(state: ProjectionState) -> Deltas:
    """The aggregates from scratch: every placement's contribution, from its final state."""
    return recount(
        state.placements.values(), state.assessments.values(), state.value_added.values()
    )


def recount(
    placements: Iterable[PlacementRow],
    assessments: Iterable[AssessmentRow],
    value_added: Iterable[ValueAddedRow],
) -> Deltas:
    """What the placements contribute by the domain's definition (``aggregates.facts``, their
    modules recomputed from their assessments), the keys that count something."""
    assessed, added = list(assessments), list(value_added)
    deltas: Deltas = {}
    for row in placements:
        mine = row.placement_id
        modules = module_rows(mine, [a for a in assessed if a.placement_id == mine])
        entries = [v for v in added if v.placement_id == mine]
        aggregates.add(deltas, row, aggregates.facts(row, modules, entries), sign=1)
    return aggregates.changed(deltas)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32), placements=st.integers(1, 12))
async def test_the_aggregates_equal_a_recomputation_from_the_placements(
    seed: int, placements: int
) -> None:
    rng = random.Random(seed)
    state = await ingest(scenario(rng, placements), rng)
    assert state.aggregates == recomputed(state)


# --- the figures read from the aggregates -----------------------------------------------------


def read(
    state: ProjectionState, segments: list[Segment], table: str
) -> dict[tuple[Any, ...], list[int]]:
    """What the SQL sums over ``segments`` (city level: the förvaltning totals), by the key's
    organisation and dimensions."""
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (t, organisation, workplace, span, bucket, dims), values in state.aggregates.items():
        if t != table or workplace != aggregates.ALL_WORKPLACES:
            continue
        if any(s.span == span and s.first <= bucket <= s.last for s in segments):
            total = sums[(organisation, *dims)]
            for index, value in enumerate(values):
                total[index] += value
    return sums


def from_aggregates(state: ProjectionState, period: Period) -> list[ActivityCell]:
    found: defaultdict[aggregates.ActivityKey, Window] = aggregates.windows()
    to_end = cover(aggregates.FIRST_DAY, period.end)
    before = cover(aggregates.FIRST_DAY, period.start - timedelta(days=1))
    for segments, pick in ((to_end, "to_end"), (before, "before")):
        for (organisation, series, *dims), (n, rate, rate_day) in read(
            state, segments, "activity_flows"
        ).items():
            window = found[(organisation, dims[0], dims[1], dims[2])]
            prefix: Prefix = window.to_end if pick == "to_end" else window.before
            aggregates.add_prefix(prefix, series, n, rate, rate_day)
    return aggregates.activity_cells(found, period)


def counted_over_placements(state: ProjectionState, period: Period) -> list[ActivityCell]:
    a, b = period.start, period.end
    cells: dict[aggregates.ActivityKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in state.placements.values():
        if not p.counted or p.start_date is None:
            continue
        start, end = p.start_date, max(p.effective_end or p.start_date, p.start_date)
        if not (start <= b and end >= a):
            continue
        cell = cells[
            (p.organisation or "", p.placement_type or "", p.gender or "", p.age_band or "")
        ]
        cell[0] += a <= start
        cell[1] += 1
        cell[2] += p.end_date is not None and a <= p.end_date <= b
        cell[3] += (p.employment_rate or 0) * ((min(end, b) - max(start, a)).days + 1)
    return [
        ActivityCell(*key, started=c[0], active=c[1], ended=c[2], rate_days=c[3])
        for key, c in sorted(cells.items())
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    first=st.dates(min_value=date(2024, 6, 1), max_value=date(2027, 6, 1)),
    days=st.integers(min_value=1, max_value=800),
)
async def test_any_period_read_from_the_aggregates_counts_like_the_placements(
    seed: int, first: date, days: int
) -> None:
    rng = random.Random(seed)
    state = await ingest(scenario(rng, 10), rng)
    period = Period(PeriodKind.CUSTOM, first, first + timedelta(days=days - 1), "egen")
    assert from_aggregates(state, period) == counted_over_placements(state, period)


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    days=st.integers(min_value=1, max_value=2000),
    coarsest=st.sampled_from(["m", "y"]),
)
def test_a_cover_is_exactly_the_days_of_the_range(first: date, days: int, coarsest: Any) -> None:
    last = first + timedelta(days=days - 1)
    covered: list[date] = []
    for segment in cover(first, last, coarsest=coarsest):
        covered += _days(segment)
    assert covered == [first + timedelta(days=i) for i in range(days)]


def _days(segment: Segment) -> list[date]:
    """The days of a segment's buckets, in order."""
    result, bucket = [], segment.first
    while bucket <= segment.last:
        following = _next_bucket(bucket, segment.span)
        result += [bucket + timedelta(days=i) for i in range((following - bucket).days)]
        bucket = following
    return result


def _next_bucket(bucket: date, span: str) -> date:
    if span == "y":
        return bucket.replace(year=bucket.year + 1)
    if span == "m":
        return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
    return bucket + timedelta(days=1)
