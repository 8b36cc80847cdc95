"""Events of one complete placement, for the certificates tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from contracts.events import (
    AssessmentCorrected,
    AssessmentCorrectedPayload,
    Envelope,
    ModuleAssessed,
    ModuleAssessedPayload,
    ParticipantIdentified,
    ParticipantIdentifiedPayload,
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
)

PERSONNUMMER = "19900517-2384"
SAMORDNINGSNUMMER = "19900577-2384"
PARTICIPANT_REF = "ab" * 32


@dataclass
class Placement:
    """Builds the events of one placement with consecutive sequences."""

    given_name: str = "Amira"
    family_name: str = "Haddad Lindqvist"
    personnummer: str = PERSONNUMMER
    producer: str = "servicef"
    placement_id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[Envelope] = field(default_factory=list)
    identities: list[ParticipantIdentified] = field(default_factory=list)
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 12, 8, tzinfo=UTC))

    @property
    def next_sequence(self) -> int:
        return len(self.events) + 1

    def _envelope(self) -> dict[str, object]:
        self._clock += timedelta(minutes=7)
        return {
            "producer": self.producer,
            "placement_id": self.placement_id,
            "sequence": self.next_sequence,
            "occurred_at": self._clock,
        }

    def start(self, **changes: object) -> PlacementStarted:
        payload = {
            "participant_ref": PARTICIPANT_REF,
            "gender": "female",
            "age_band": "25_plus",
            "placement_type": "extratjanst",
            "workplace": Workplace(name="Stadsbiblioteket", unit="Barnavdelningen"),
            "role": "Biblioteksassistent",
            "tasks": ["Låna ut och ta emot böcker", "Hjälpa besökare vid datorerna"],
            "employment_rate": 75,
            "start_date": date(2026, 1, 12),
            "planned_end_date": date(2026, 9, 30),
        } | changes
        envelope = self._envelope()
        event = PlacementStarted(**envelope, payload=PlacementStartedPayload(**payload))
        self.events.append(event)
        self.identify(sequence=event.sequence)
        return event

    def identify(self, sequence: int, supervisor: str | None = "Karin Ek") -> ParticipantIdentified:
        identity = ParticipantIdentified(
            producer=self.producer,
            placement_id=self.placement_id,
            sequence=sequence,
            payload=ParticipantIdentifiedPayload(
                personnummer=self.personnummer,
                given_name=self.given_name,
                family_name=self.family_name,
                supervisor_name=supervisor,
            ),
        )
        self.identities.append(identity)
        return identity

    def extend(self, planned_end: date) -> PlacementUpdated:
        event = PlacementUpdated(
            **self._envelope(),
            payload=PlacementUpdatedPayload(planned_end_date=planned_end, reason="Förlängd"),
        )
        self.events.append(event)
        return event

    def value_added(self, category: str, stage: str = "realised") -> ValueAddedRecorded:
        beneficiary = "workplace" if category == "okad-service-till-invanare" else "individual"
        event = ValueAddedRecorded(
            **self._envelope(),
            payload=ValueAddedRecordedPayload(
                stage=stage,
                value_added=ValueAdded(beneficiary=beneficiary, category=category),
            ),
        )
        self.events.append(event)
        return event

    def assess(
        self,
        module: str,
        level: str,
        on: date,
        comment: str = "",
        criteria: tuple[str, ...] = (),
    ) -> ModuleAssessed:
        event = ModuleAssessed(
            **self._envelope(),
            payload=ModuleAssessedPayload(
                module=module,
                level=level,
                criteria_met=list(criteria),
                assessed_on=on,
                assessor_role="handledare",
                comment=comment,
            ),
        )
        self.events.append(event)
        return event

    def end(self, end_date: date = date(2026, 10, 30), outcome: str = "A") -> PlacementEnded:
        event = PlacementEnded(
            **self._envelope(),
            payload=PlacementEndedPayload(end_date=end_date, outcome=outcome),
        )
        self.events.append(event)
        return event

    # corrections and withdrawal -----------------------------------------------------------

    def correct_end(
        self, end_date: date = date(2026, 10, 23), outcome: str = "B", reason: str = "Fel datum"
    ) -> PlacementEndCorrected:
        event = PlacementEndCorrected(
            **self._envelope(),
            payload=PlacementEndCorrectedPayload(
                end_date=end_date, outcome=outcome, reason=reason, corrected_by="handlaggare"
            ),
        )
        self.events.append(event)
        return event

    def correct_assessment(
        self, original: ModuleAssessed, reason: str = "Fel bedömning", **changes: object
    ) -> AssessmentCorrected:
        fact = original.payload.model_dump() | changes
        event = AssessmentCorrected(
            **self._envelope(),
            payload=AssessmentCorrectedPayload(
                **fact,
                assessment_id=original.event_id,
                reason=reason,
                corrected_by="handledare",
            ),
        )
        self.events.append(event)
        return event

    def correct_value_added(
        self,
        entry_id: uuid.UUID,
        category: str,
        stage: str = "realised",
        description: str = "",
        reason: str = "Fel kategori",
    ) -> ValueAddedCorrected:
        beneficiary = "workplace" if category == "okad-service-till-invanare" else "individual"
        event = ValueAddedCorrected(
            **self._envelope(),
            payload=ValueAddedCorrectedPayload(
                entry_id=entry_id,
                stage=stage,
                value_added=ValueAdded(
                    beneficiary=beneficiary, category=category, description=description
                ),
                reason=reason,
                corrected_by="handlaggare",
            ),
        )
        self.events.append(event)
        return event

    def correct_details(
        self, identity_corrected: bool = False, reason: str = "Fel uppgift", **changes: object
    ) -> PlacementDetailsCorrected:
        """The terms as they stand (the latest start or details correction, and the latest
        planned end), with ``changes``; with ``identity_corrected``, also the identity as it
        now stands on this placement (``given_name`` etc.), under the correction's sequence."""
        latest = next(
            e
            for e in reversed(self.events)
            if isinstance(e, PlacementStarted | PlacementDetailsCorrected)
        )
        terms = latest.payload.model_dump(
            include={
                "placement_type",
                "age_band",
                "workplace",
                "role",
                "tasks",
                "employment_rate",
                "start_date",
            }
        )
        terms["planned_end_date"] = next(
            e.payload.planned_end_date
            for e in reversed(self.events)
            if isinstance(e, PlacementStarted | PlacementUpdated | PlacementDetailsCorrected)
        )
        event = PlacementDetailsCorrected(
            **self._envelope(),
            payload=PlacementDetailsCorrectedPayload(
                **(terms | changes),
                identity_corrected=identity_corrected,
                reason=reason,
                corrected_by="handlaggare",
            ),
        )
        self.events.append(event)
        if identity_corrected:
            self.identify(sequence=event.sequence)
        return event

    def withdraw(self, reason: str = "Registrerad av misstag") -> PlacementWithdrawn:
        event = PlacementWithdrawn(
            **self._envelope(),
            payload=PlacementWithdrawnPayload(reason=reason, withdrawn_by="handlaggare"),
        )
        self.events.append(event)
        return event


def complete_placement(
    given_name: str = "Amira",
    family_name: str = "Haddad Lindqvist",
    personnummer: str = PERSONNUMMER,
    producer: str = "servicef",
) -> Placement:
    """A placement with every kind of event, three modules assessed, and its end."""
    p = Placement(
        given_name=given_name, family_name=family_name, personnummer=personnummer, producer=producer
    )
    p.start()
    p.assess("sprak", "A2", date(2026, 2, 20), "Förstår instruktioner.", ("sprak.horforstaelse",))
    p.assess("sociala-fardigheter", "2", date(2026, 2, 20), "Bra bemötande.")
    p.extend(date(2026, 10, 30))
    p.assess(
        "sprak",
        "B1",
        date(2026, 6, 15),
        "Samtalar med besökare och skriver korta meddelanden.",
        ("sprak.horforstaelse", "sprak.muntlig-interaktion"),
    )
    p.assess(
        "praktiskt-kunnande",
        "3",
        date(2026, 10, 1),
        "Sköter utlåning och återlämning självständigt.",
        ("praktiskt-kunnande.utfora-enligt-instruktion", "praktiskt-kunnande.kvalitet"),
    )
    p.value_added("sprakutveckling")
    p.value_added("okad-service-till-invanare")
    p.assess(
        "sociala-fardigheter",
        "3",
        date(2026, 10, 20),
        "Samarbetar väl och tar emot återkoppling.",
        ("sociala-fardigheter.samarbete", "sociala-fardigheter.aterkoppling"),
    )
    p.end()
    return p
