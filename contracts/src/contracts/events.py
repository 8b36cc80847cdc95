"""The integration events every service shares: an envelope and one typed payload per event.

Rules that keep old consumers working (DESIGN.md section 3):
- consumers ignore unknown fields (``extra="ignore"``), so a producer may add optional fields;
- within a ``schema_version`` a producer never drops or retypes a required field;
- a breaking change is a new ``schema_version`` and a new model, published side by side.

The person appears on the city-wide stream only as ``participant_ref`` (a keyed pseudonym),
gender and age band. Name and personnummer travel only in ``ParticipantIdentified``, on the
restricted identity exchange (see ``contracts.topology``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contracts.reference import Language

OrgCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,30}$"),
    Field(description="Organisation code of a förvaltning (or service), e.g. `servicef`."),
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")]
OutcomeCode = Literal["A", "B", "C", "D", "E"]
Gender = Literal["female", "male"]
AgeBand = Literal["up_to_24", "25_plus"]
ParticipantRef = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="HMAC-SHA256 of the personnummer under the city-wide pseudonym key (hex)."),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(max_length=4000, strip_whitespace=True)]
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, strip_whitespace=True),
    Field(description="Why the record was changed, as the person who changed it wrote it."),
]
Actor = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    Field(description="Who made the change: the signed-in user or the förvaltning system."),
]


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Envelope(BaseModel):
    """Fields every event carries. Subclasses pin ``event_type`` and ``payload``.

    The defaults are a producer's convenience; every message carries every envelope field, so
    the published schema (JSON Schema, AsyncAPI) is the serialised form's, where they are
    required."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        json_schema_mode_override="serialization",
        json_schema_serialization_defaults_required=True,
    )

    event_type: str
    schema_version: int = Field(default=1, ge=1)
    event_id: uuid.UUID = Field(
        default_factory=uuid.uuid4, description="Idempotency key everywhere."
    )
    occurred_at: UtcDatetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: OrgCode
    placement_id: uuid.UUID
    sequence: int = Field(ge=1, description="1, 2, 3 … per placement, no gaps.")
    correlation_id: str = Field(
        default_factory=lambda: str(uuid.uuid4()),
        min_length=1,
        max_length=128,
        description="Traces one user action across services.",
    )

    @property
    def routing_key(self) -> str:
        """``<producer>.<event_type>``: brokers let a förvaltning publish only its own prefix."""
        return f"{self.producer}.{self.event_type}"

    @classmethod
    def type_name(cls) -> str:
        """The ``event_type`` a subclass pins, e.g. ``PlacementStarted``."""
        return str(cls.model_fields["event_type"].default)


def producer_mismatch(producer: object, routing_key: str) -> str | None:
    """Why a message may not carry this ``producer`` under this routing key, or None: the
    routing key's prefix (see ``Envelope.routing_key``) is the producer's organisation code,
    which the broker lets only that förvaltning publish, so a body claiming another producer
    is not to be believed."""
    prefix = routing_key.split(".", 1)[0]
    if producer == prefix:
        return None
    return f"producer {producer!r} does not match routing key prefix {prefix!r}"


# --- payloads -------------------------------------------------------------------------------


class Workplace(Payload):
    name: ShortText = Field(examples=["Stadsbiblioteket"])
    unit: ShortText | None = Field(default=None, examples=["Barnavdelningen"])


class ValueAdded(Payload):
    beneficiary: Literal["workplace", "individual"]
    category: Code = Field(description="A mervärde category from the reference data.")
    description: LongText = ""


class PlacementStartedPayload(Payload):
    participant_ref: ParticipantRef
    gender: Gender = Field(description="Legal gender, for statistics only.")
    age_band: AgeBand = Field(description="Age at start: up to 24, or 25 and over.")
    placement_type: Code = Field(examples=["extratjanst"])
    workplace: Workplace
    role: ShortText = Field(examples=["Biblioteksassistent"])
    tasks: list[ShortText] = Field(default_factory=list, max_length=30)
    employment_rate: int = Field(ge=1, le=100, description="Percent of full time.")
    start_date: date
    planned_end_date: date
    planned_value_added: list[ValueAdded] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates_in_order(self) -> PlacementStartedPayload:
        if self.planned_end_date < self.start_date:
            raise ValueError("planned_end_date is before start_date")
        return self


class PlacementUpdatedPayload(Payload):
    planned_end_date: date
    reason: LongText = ""


class ValueAddedRecordedPayload(Payload):
    stage: Literal["planned", "realised"]
    value_added: ValueAdded


class ModuleAssessedPayload(Payload):
    module: Code = Field(examples=["sprak"])
    level: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,4}$")] = Field(
        examples=["B1", "3"]
    )
    criteria_met: list[Code] = Field(default_factory=list, max_length=30)
    assessed_on: date
    assessor_role: ShortText = Field(examples=["handledare"])
    comment: LongText = ""


class PlacementEndedPayload(Payload):
    end_date: date
    outcome: OutcomeCode


class Correction(Payload):
    """What every correction (rättelse) says besides the corrected fact: why, and who.

    A correction carries the whole corrected fact, not a difference, so a consumer folds it
    like the original: the highest ``sequence`` wins, whatever order the events arrive in."""

    reason: Reason
    corrected_by: Actor


class PlacementEndCorrectedPayload(Correction):
    end_date: date
    outcome: OutcomeCode


class AssessmentCorrectedPayload(Correction, ModuleAssessedPayload):
    assessment_id: uuid.UUID = Field(
        description="The corrected assessment: the `event_id` of its `ModuleAssessed`."
    )


class ValueAddedCorrectedPayload(Correction):
    entry_id: uuid.UUID = Field(
        description="The corrected mervärde entry, as `contracts.events.value_added_entries` "
        "numbers them."
    )
    stage: Literal["planned", "realised"]
    value_added: ValueAdded


class PlacementDetailsCorrectedPayload(Correction):
    """The placement's terms as corrected: every field, changed or not."""

    placement_type: Code
    age_band: AgeBand = Field(description="Age at the (corrected) start.")
    workplace: Workplace
    role: ShortText
    tasks: list[ShortText] = Field(default_factory=list, max_length=30)
    employment_rate: int = Field(ge=1, le=100, description="Percent of full time.")
    start_date: date
    planned_end_date: date
    identity_corrected: bool = Field(
        default=False,
        description="A `ParticipantIdentified` with this event's sequence carries the "
        "corrected name or supervisor; consumers of identity data wait for it.",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> PlacementDetailsCorrectedPayload:
        if self.planned_end_date < self.start_date:
            raise ValueError("planned_end_date is before start_date")
        return self


class PlacementWithdrawnPayload(Payload):
    reason: Reason
    withdrawn_by: Actor


class CertificateIssuedPayload(Payload):
    certificate_id: uuid.UUID
    certificate_number: ShortText
    organisation: OrgCode = Field(description="The förvaltning the placement belonged to.")
    issued_at: UtcDatetime
    language: Language = "sv"
    supersedes: uuid.UUID | None = None


class CertificateRevokedPayload(Payload):
    certificate_id: uuid.UUID
    organisation: OrgCode
    revoked_at: UtcDatetime
    reason: ShortText
    superseded_by: uuid.UUID | None = None


class ParticipantIdentifiedPayload(Payload):
    """Identity data: only ever on the restricted identity route."""

    personnummer: Annotated[str, StringConstraints(pattern=r"^\d{8}-?\d{4}$")]
    given_name: ShortText
    family_name: ShortText
    supervisor_name: ShortText | None = None


# --- events ---------------------------------------------------------------------------------


class PlacementStarted(Envelope):
    """A förvaltning registered a placement: type, workplace, role, extent, period, mervärde."""

    event_type: Literal["PlacementStarted"] = "PlacementStarted"
    schema_version: Literal[1] = 1
    payload: PlacementStartedPayload


class PlacementUpdated(Envelope):
    """The planned end of a placement changed (e.g. an extension)."""

    event_type: Literal["PlacementUpdated"] = "PlacementUpdated"
    schema_version: Literal[1] = 1
    payload: PlacementUpdatedPayload


class ValueAddedRecorded(Envelope):
    """Mervärde planned at start or realised at the end, for the workplace or the individual."""

    event_type: Literal["ValueAddedRecorded"] = "ValueAddedRecorded"
    schema_version: Literal[1] = 1
    payload: ValueAddedRecordedPayload


class ModuleAssessed(Envelope):
    """A module of the competence record was assessed; repeated over time to show progression."""

    event_type: Literal["ModuleAssessed"] = "ModuleAssessed"
    schema_version: Literal[1] = 1
    payload: ModuleAssessedPayload


class PlacementEnded(Envelope):
    """A placement ended, with an outcome code from the reference data (A–E)."""

    event_type: Literal["PlacementEnded"] = "PlacementEnded"
    schema_version: Literal[1] = 1
    payload: PlacementEndedPayload


class CertificateIssued(Envelope):
    """A kompetensintyg was issued for an ended placement.

    ``sequence`` counts the certificate events of one placement (1 for the first issue).
    """

    event_type: Literal["CertificateIssued"] = "CertificateIssued"
    schema_version: Literal[1] = 1
    payload: CertificateIssuedPayload


class CertificateRevoked(Envelope):
    """A certificate was revoked, e.g. superseded by a corrected one."""

    event_type: Literal["CertificateRevoked"] = "CertificateRevoked"
    schema_version: Literal[1] = 1
    payload: CertificateRevokedPayload


class PlacementEndCorrected(Envelope):
    """The recorded end of a placement was wrong: the corrected end date and outcome."""

    event_type: Literal["PlacementEndCorrected"] = "PlacementEndCorrected"
    schema_version: Literal[1] = 1
    payload: PlacementEndCorrectedPayload


class AssessmentCorrected(Envelope):
    """An earlier module assessment was wrong: the assessment as it should have been recorded."""

    event_type: Literal["AssessmentCorrected"] = "AssessmentCorrected"
    schema_version: Literal[1] = 1
    payload: AssessmentCorrectedPayload


class ValueAddedCorrected(Envelope):
    """An earlier mervärde entry was wrong: the entry as it should have been recorded."""

    event_type: Literal["ValueAddedCorrected"] = "ValueAddedCorrected"
    schema_version: Literal[1] = 1
    payload: ValueAddedCorrectedPayload


class PlacementDetailsCorrected(Envelope):
    """The placement's terms (type, workplace, role, tasks, extent, period) were wrong, or,
    with ``identity_corrected``, the participant's name or the supervisor."""

    event_type: Literal["PlacementDetailsCorrected"] = "PlacementDetailsCorrected"
    schema_version: Literal[1] = 1
    payload: PlacementDetailsCorrectedPayload


class PlacementWithdrawn(Envelope):
    """The placement was registered by mistake (makulering): it counts nowhere, its
    certificate is revoked, and nothing changes it afterwards."""

    event_type: Literal["PlacementWithdrawn"] = "PlacementWithdrawn"
    schema_version: Literal[1] = 1
    payload: PlacementWithdrawnPayload


class ParticipantIdentified(Envelope):
    """Name and personnummer of a placement's participant.

    ``sequence`` equals the sequence of the city-wide event it accompanies (1 with
    ``PlacementStarted``); identity events do not take numbers of their own, so the city-wide
    sequence stays gap-free for consumers that never see identity data.
    """

    event_type: Literal["ParticipantIdentified"] = "ParticipantIdentified"
    schema_version: Literal[1] = 1
    payload: ParticipantIdentifiedPayload


PLACEMENT_EVENTS: tuple[type[Envelope], ...] = (
    PlacementStarted,
    PlacementUpdated,
    ValueAddedRecorded,
    ModuleAssessed,
    PlacementEnded,
    PlacementEndCorrected,
    AssessmentCorrected,
    ValueAddedCorrected,
    PlacementDetailsCorrected,
    PlacementWithdrawn,
)
CORRECTION_EVENTS: tuple[type[Envelope], ...] = (
    PlacementEndCorrected,
    AssessmentCorrected,
    ValueAddedCorrected,
    PlacementDetailsCorrected,
)
CERTIFICATE_EVENTS: tuple[type[Envelope], ...] = (CertificateIssued, CertificateRevoked)
CITY_WIDE_EVENTS: tuple[type[Envelope], ...] = PLACEMENT_EVENTS + CERTIFICATE_EVENTS
IDENTITY_EVENTS: tuple[type[Envelope], ...] = (ParticipantIdentified,)
ALL_EVENTS: tuple[type[Envelope], ...] = CITY_WIDE_EVENTS + IDENTITY_EVENTS

EVENTS_BY_TYPE: dict[str, type[Envelope]] = {cls.type_name(): cls for cls in ALL_EVENTS}


class UnknownEventType(ValueError):
    pass


def parse_event(document: dict[str, Any]) -> Envelope:
    """Parse a wire document into its event model (raises ``pydantic.ValidationError``)."""
    event_type = document.get("event_type")
    cls = EVENTS_BY_TYPE.get(event_type) if isinstance(event_type, str) else None
    if cls is None:
        raise UnknownEventType(f"unknown event_type {event_type!r}")
    return cls.model_validate(document)


# --- ids of the facts a correction names --------------------------------------------------


def assessment_id(event: ModuleAssessed) -> uuid.UUID:
    """An assessment is known by the ``event_id`` of the ``ModuleAssessed`` that recorded it."""
    return event.event_id


def value_added_entries(
    event: PlacementStarted | ValueAddedRecorded,
) -> list[tuple[uuid.UUID, Literal["planned", "realised"], ValueAdded]]:
    """The mervärde entries an event records, each with the id a correction names it by: a
    ``ValueAddedRecorded``'s own ``event_id``, or for the planned entries a
    ``PlacementStarted`` carries, an id derived from its ``event_id`` and the entry's place."""
    if isinstance(event, ValueAddedRecorded):
        return [(event.event_id, event.payload.stage, event.payload.value_added)]
    return [
        (uuid.uuid5(event.event_id, f"planned_value_added/{index}"), "planned", entry)
        for index, entry in enumerate(event.payload.planned_value_added)
    ]
