"""The reporting database holds no name and no personnummer, after a realistic ingest: the real
placements service registers, assesses (with free-text comments that name the participant),
records mervärde and ends placements, publishing through its outbox; identity data goes out on
the identity route as it should, and once, by mistake, on the city-wide stream too."""

from __future__ import annotations

import re
from typing import Any

import aio_pika
import pytest

from contracts.events import ParticipantIdentified, ParticipantIdentifiedPayload
from contracts.topology import EVENTS_EXCHANGE
from runtime.amqp import event_message
from tests.integration.placements.conftest import Placements, registration
from tests.integration.placements.conftest import placements as placements  # the fixture
from tests.integration.reporting.conftest import Reporting, running_reporting
from tests.support import temporary_database
from tools.samples import personnummer

pytestmark = pytest.mark.integration

PEOPLE = [
    # (birth date, serial, given name, family name, supervisor, organisation)
    ("19990315", "412", "Zilan", "Qadiriyeh", "Birgitta Lindqvarn", "sf"),
    ("19621104", "238", "Henrik", "Ödqvistsson", "Jovana Pettersdal", "sf"),
    ("20050730", "186", "Aisha", "Warsameh", "Torbjörn Ekvallius", "kf"),
    ("19880101", "659", "Mirela", "Kovačevićka", "Saga Hjortsberg", "kf"),
]
PERSONNUMMER_SHAPED = re.compile(r"(?<![0-9A-Za-z])(\d{6}|\d{8})[-+]?\d{4}(?![0-9A-Za-z])")


async def ingest(placements: Placements) -> list[str]:
    """Run every person's placement through the placements API; returns what must not leak."""
    secrets: list[str] = []
    for index, (birth, serial, given, family, supervisor, organisation) in enumerate(PEOPLE):
        number = personnummer(birth, serial)
        secrets += [given, family, supervisor, *supervisor.split(), number, number.replace("-", "")]
        secrets.append(number.replace("-", "")[2:])  # the ten-digit form
        body = registration(
            participant={"personnummer": number, "given_name": given, "family_name": family},
            supervisor={"name": supervisor, "email": "handledare@example.se"},
            start_date="2026-01-12",
            planned_end_date="2026-12-31",
        )
        async with placements.client(organisation) as client:
            created = await client.post("/placements", json=body)
            assert created.status_code == 201, created.text
            path = f"/placements/{created.json()['id']}"
            for level, on in (("A2", "2026-02-01"), ("B1", "2026-05-01")):
                assessed = await client.post(
                    f"{path}/assessments",
                    json={
                        "module": "sprak",
                        "level": level,
                        "assessed_on": on,
                        "assessor": "handledare",
                        "comment": f"{given} {family} talar allt säkrare med besökarna.",
                    },
                )
                assert assessed.status_code == 200, assessed.text
            realised = await client.post(
                f"{path}/value-added",
                json={
                    "stage": "realised",
                    "beneficiary": "individual",
                    "category": "arbetslivserfarenhet",
                    "description": f"{given} fick referens av {supervisor}.",
                },
            )
            assert realised.status_code == 200, realised.text
            ended = await client.post(
                f"{path}/end", json={"end_date": "2026-06-30", "outcome": "ABCD"[index]}
            )
            assert ended.status_code == 200, ended.text
    return secrets


async def misroute_identity(amqp_url: str) -> None:
    """A producer bug: identity data published on the city-wide exchange."""
    birth, serial, given, family, supervisor, organisation = PEOPLE[0]
    event = ParticipantIdentified(
        producer=organisation,
        placement_id="00000000-0000-0000-0000-000000000001",
        sequence=1,
        payload=ParticipantIdentifiedPayload(
            personnummer=personnummer(birth, serial),
            given_name=given,
            family_name=family,
            supervisor_name=supervisor,
        ),
    )
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        # the stream binds the city-wide event types, so the bug needs a city-wide key to land
        await exchange.publish(
            event_message(event),
            routing_key=f"{organisation}.PlacementStarted",
        )


async def text_values(service: Reporting) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text-like column of the reporting database."""
    async with service.pool.acquire() as conn:
        columns = await conn.fetch(
            """SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = 'public'
                  AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')"""
        )
        values: list[tuple[str, str, str]] = []
        for table, column in columns:
            rows = await conn.fetch(
                f'SELECT "{column}"::text AS value FROM "{table}" WHERE "{column}" IS NOT NULL'
            )
            values += [(table, column, row["value"]) for row in rows]
    return values


async def test_no_name_or_personnummer_reaches_the_reporting_database(
    placements: Placements, amqp_url: str
) -> None:
    async with (
        temporary_database() as reporting_db,
        running_reporting(amqp_url, reporting_db) as service,
    ):
        service.start()
        secrets = await ingest(placements)
        identity = await placements.published_identity()
        city_wide = await placements.published()
        await misroute_identity(amqp_url)
        service.published = len(city_wide) + 1
        await service.caught_up()

        # the ingest was real: identity went out, and the placements were counted
        assert {e["payload"]["given_name"] for e in identity} == {p[2] for p in PEOPLE}
        report = await service.report(kind="year", year=2026)
        assert report["totals"]["ended"] == len(PEOPLE)
        assert report["outcomes"]["work_or_studies"] == 2
        async with service.client() as client:
            unusable = (await client.get("/operations/unusable-events")).json()
        assert [u["reason"] for u in unusable] == ["identity_event"]

        values = await text_values(service)
        tables = {table for table, _, _ in values}
        assert {"placements", "unusable_events", "organisation_register"} <= tables
        leaks: list[Any] = [
            (table, column, value)
            for table, column, value in values
            for secret in secrets
            if secret.casefold() in value.casefold()
        ]
        assert leaks == []
        shaped = [
            (table, column, value)
            for table, column, value in values
            if PERSONNUMMER_SHAPED.search(value)
        ]
        assert shaped == []
