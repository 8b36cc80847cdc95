"""Sample events for tests and benchmarks."""

from __future__ import annotations

import uuid
from datetime import date

from contracts.events import PlacementStarted, PlacementStartedPayload, Workplace
from contracts.personnummer import luhn_check_digit


def placement_started(
    producer: str = "servicef", placement_id: uuid.UUID | None = None, sequence: int = 1
) -> PlacementStarted:
    return PlacementStarted(
        producer=producer,
        placement_id=placement_id or uuid.uuid4(),
        sequence=sequence,
        payload=PlacementStartedPayload(
            participant_ref="ab" * 32,
            gender="female",
            age_band="25_plus",
            placement_type="extratjanst",
            workplace=Workplace(name="Stadsbiblioteket", unit="Barnavdelningen"),
            role="Biblioteksassistent",
            tasks=["Låna ut och ta emot böcker"],
            employment_rate=75,
            start_date=date(2026, 1, 12),
            planned_end_date=date(2026, 12, 31),
        ),
    )


def personnummer(birth: str = "19900101", serial: str = "238") -> str:
    """A valid personnummer (or samordningsnummer, with day + 60) for tests and demos."""
    return f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"
