"""Delivery as it really happens: duplicates, any order, gaps, restarts and broken events.
Whatever arrives, a placement gets exactly one certificate, and only when it is complete."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime

import aio_pika
import asyncpg
import pytest

from contracts.events import CertificateIssued, ModuleAssessed
from tests.integration.certificates.conftest import Service, placement
from tests.support import eventually
from tests.unit.certificates.factory import Placement

pytestmark = pytest.mark.integration


async def issued_events(service: Service) -> dict[uuid.UUID, list[CertificateIssued]]:
    by_placement: dict[uuid.UUID, list[CertificateIssued]] = defaultdict(list)
    for message in await service.published():
        if message["event_type"] == "CertificateIssued":
            event = CertificateIssued.model_validate(message)
            by_placement[event.placement_id].append(event)
    return by_placement


async def test_the_same_events_twice_and_in_reverse_order_give_exactly_one_certificate(
    service: Service,
) -> None:
    twice, reversed_ = placement(), placement()
    all_of_twice = [*twice.events, *twice.identities]
    await service.publish(all_of_twice + all_of_twice)
    await service.publish([*reversed_.identities, *reversed(reversed_.events)])

    for p in (twice, reversed_):
        await service.issued(p.placement_id)
    await service.publish(all_of_twice)  # and once more, after the issue
    await service.outbox_empty()
    await asyncio.sleep(0.3)  # let the last copies be consumed too

    for p in (twice, reversed_):
        assert len(await service.certificate_ids(p.placement_id)) == 1
    events = await issued_events(service)
    assert {p: len(e) for p, e in events.items()} == {
        twice.placement_id: 1,
        reversed_.placement_id: 1,
    }
    events_stored = await service.count(
        "SELECT count(*) FROM placement_events WHERE placement_id = $1", twice.placement_id
    )
    assert events_stored == len(twice.events)
    assert await service.dead_letters() == []


async def test_a_missing_assessment_waits_visibly_and_the_certificate_follows_it(
    service: Service,
) -> None:
    p = placement()
    missing = next(e for e in p.events if isinstance(e, ModuleAssessed))
    await service.publish([*(e for e in p.events if e is not missing), *p.identities])

    async def waiting_listed() -> bool:
        async with service.client("operator") as operator:
            return bool((await operator.get("/waiting")).json()["items"])

    await eventually(waiting_listed)
    await asyncio.sleep(0.2)  # it keeps waiting, and its age grows
    async with service.client("operator") as operator:
        listed = (await operator.get("/waiting")).json()
    async with service.client("sf") as owner:
        own = (await owner.get("/waiting")).json()
        placement_view = (await owner.get(f"/placements/{p.placement_id}/certificates")).json()
    async with service.client("kf") as other:
        others = (await other.get("/waiting")).json()

    [item] = listed["items"]
    assert listed["count"] == 1
    assert item["placement_id"] == str(p.placement_id)
    assert item["organisation"] == "sf"
    assert item["missing_sequences"] == [missing.sequence]
    assert item["reason"] == f"missing sequence {missing.sequence}"
    assert item["age_seconds"] >= 0.2
    assert listed["oldest_age_seconds"] >= item["age_seconds"]
    assert datetime.fromisoformat(item["waiting_since"]) <= datetime.now(UTC)
    assert [i["placement_id"] for i in own["items"]] == [str(p.placement_id)]
    assert others == {"count": 0, "oldest_age_seconds": None, "items": []}
    assert placement_view["status"] == "waiting"
    assert placement_view["certificates"] == []
    assert await service.certificate_ids(p.placement_id) == []

    await service.publish([missing])
    await service.issued(p.placement_id)
    async with service.client("operator") as operator:
        assert (await operator.get("/waiting")).json()["count"] == 0
    async with service.client("sf") as owner:
        certificate = (await owner.get(f"/placements/{p.placement_id}/certificates")).json()
    assert certificate["status"] == "issued"
    assert certificate["certificates"][0]["includes_sequence"] == len(p.events)


async def test_a_restart_mid_stream_loses_nothing_and_issues_nothing_twice(
    service: Service,
) -> None:
    placements = [placement() for _ in range(60)]
    shuffle = random.Random(7).shuffle
    messages = []
    for start in range(0, len(placements), 3):  # a few förvaltningar publishing at once
        window = [m for p in placements[start : start + 3] for m in (*p.events, *p.identities)]
        shuffle(window)
        messages.extend(window)
    publishing = asyncio.create_task(service.publish(messages))

    async def some_issued() -> bool:
        return await service.count("SELECT count(*) FROM certificates") >= 3

    await eventually(some_issued, interval=0.005)
    await service.stop()  # mid-stream: messages half-handled, unacknowledged, in the outbox
    stopped_with = await service.count("SELECT count(*) FROM certificates")
    await publishing  # the rest arrives while the service is down
    assert stopped_with < len(placements), "the restart must happen mid-stream"

    await service.start()  # a new broker app and relay on the same database and queues

    async def all_issued() -> bool:
        return await service.count("SELECT count(*) FROM certificates") == len(placements)

    await eventually(all_issued, within=60)
    await service.outbox_empty()
    for p in placements:
        assert len(await service.certificate_ids(p.placement_id)) == 1
    events = await issued_events(service)
    assert set(events) == {p.placement_id for p in placements}
    for p in placements:
        # at-least-once: a relay stopped between publish and mark may send a row twice,
        # but it is the same event of the same certificate
        copies = events[p.placement_id]
        assert len({e.event_id for e in copies}) == 1
        assert {e.payload.certificate_id for e in copies} == set(
            await service.certificate_ids(p.placement_id)
        )
    assert await service.count("SELECT count(*) FROM placement_events") == sum(
        len(p.events) for p in placements
    )
    assert await service.dead_letters() == []


async def test_events_that_can_never_apply_are_dead_lettered_with_the_reason(
    service: Service,
) -> None:
    p = placement()
    second_start = p.events[0].model_copy(update={"event_id": uuid.uuid4(), "sequence": 97})
    extended = next(e for e in p.events if e.event_type == "PlacementUpdated")
    impostor = extended.model_copy(update={"event_id": uuid.uuid4(), "sequence": 2})
    unknown_module = ModuleAssessed.model_validate(
        p.events[1].model_dump()
        | {"event_id": uuid.uuid4(), "sequence": 99}
        | {"payload": p.events[1].model_dump()["payload"] | {"module": "dans"}}
    )
    other = Placement(producer="kf", placement_id=p.placement_id)
    foreign = other.assess("sprak", "B2", date(2026, 3, 1)).model_copy(update={"sequence": 98})

    await service.publish_placement(p)
    await service.issued(p.placement_id)
    await service.publish([impostor, second_start, unknown_module, foreign])

    found: list[dict[str, object]] = []

    async def four_dead_letters() -> bool:
        found.extend(
            {"id": m.message_id, **{k: str(v) for k, v in (m.headers or {}).items()}}
            for m in await service.dead_letters()
        )
        return len(found) == 4

    await eventually(four_dead_letters)
    reasons = {str(entry["id"]): entry for entry in found}
    assert {entry["x-death-reason"] for entry in found} == {"invalid"}
    assert {entry["x-error-type"] for entry in found} == {"InvalidEvent"}
    assert "sequence 2 of placement" in str(reasons[str(impostor.event_id)]["x-error"])
    assert "already started" in str(reasons[str(second_start.event_id)]["x-error"])
    assert "dans" in str(reasons[str(unknown_module.event_id)]["x-error"])
    assert "belongs to 'sf'" in str(reasons[str(foreign.event_id)]["x-error"])
    assert len(await service.certificate_ids(p.placement_id)) == 1
    stored = await service.count(
        "SELECT count(*) FROM placement_events WHERE placement_id = $1", p.placement_id
    )
    assert stored == len(p.events)


async def test_a_message_that_is_not_an_event_is_dead_lettered_not_dropped(
    service: Service,
) -> None:
    p = placement()
    body = json.loads(p.events[0].model_dump_json()) | {"event_type": "PlacementArchived"}
    connection = await aio_pika.connect(service.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("city.events")
        await exchange.publish(
            aio_pika.Message(json.dumps(body).encode(), message_id="odd"),
            routing_key="sf.PlacementStarted",
        )

    found: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def dead_lettered() -> bool:
        found.extend(await service.dead_letters())
        return bool(found)

    await eventually(dead_lettered)
    [message] = found
    assert message.headers["x-death-reason"] == "invalid"
    assert message.headers["x-error-type"] == "ValidationError"  # no such event type
    assert "PlacementArchived" in str(message.headers["x-error"])


async def test_the_database_refuses_a_second_current_certificate_for_a_placement(
    service: Service,
) -> None:
    p = placement()
    await service.publish_placement(p)
    certificate_id = await service.issued(p.placement_id)
    async with service.pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO status_entries VALUES (999, 0)")
        with pytest.raises(asyncpg.UniqueViolationError, match="one_current_certificate"):
            await conn.execute(
                """INSERT INTO certificates (id, number, placement_id, organisation, language,
                       issued_at, status_list, status_index, record_sequence, record,
                       credential, pdf)
                   SELECT $2, 'KI-2026-999999', placement_id, organisation, language, issued_at,
                          999, 0, record_sequence, record, credential, pdf
                     FROM certificates WHERE id = $1""",
                certificate_id,
                uuid.uuid4(),
            )
