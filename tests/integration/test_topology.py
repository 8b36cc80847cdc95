"""The topology as the real broker sees it."""

from __future__ import annotations

import json
from urllib.parse import quote

import aio_pika
import pytest

from contracts.topology import CITY_TOPOLOGY, rabbitmq_definitions
from runtime.amqp import declare
from tools.sandbox import management, temporary_vhost

pytestmark = pytest.mark.integration


async def test_declaring_twice_is_harmless(amqp_url: str) -> None:
    await declare(amqp_url, CITY_TOPOLOGY)
    await declare(amqp_url, CITY_TOPOLOGY)


async def test_definitions_file_loads_into_a_broker_and_matches_what_services_declare() -> None:
    async with temporary_vhost() as url:
        vhost = url.rsplit("/", 1)[1]
        document = json.loads(json.dumps(rabbitmq_definitions(vhost=vhost)))
        async with management() as api:
            response = await api.post(f"/api/definitions/{quote(vhost)}", json=document)
            assert response.status_code in (201, 204), response.text
            queues = (await api.get(f"/api/queues/{quote(vhost)}")).json()
        names = {q["name"] for q in queues}
        assert {q.name for q in CITY_TOPOLOGY.consumer_queues} <= names
        assert {q.dead_letter_queue for q in CITY_TOPOLOGY.consumer_queues} <= names
        assert {s.name for s in CITY_TOPOLOGY.streams} <= names
        # A service starting against the loaded broker declares the same things: no conflict.
        await declare(url, CITY_TOPOLOGY)


async def test_reporting_stream_receives_city_events_but_not_identity(amqp_url: str) -> None:
    await declare(amqp_url, CITY_TOPOLOGY)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        events = await channel.get_exchange("city.events")
        identity = await channel.get_exchange("city.identity")
        await identity.publish(
            aio_pika.Message(b"{}", message_id="identity"),
            routing_key="servicef.ParticipantIdentified",
        )
        await events.publish(
            aio_pika.Message(b"{}", message_id="started"), routing_key="servicef.PlacementStarted"
        )
        certificates_identity = await channel.declare_queue("certificates.identity", passive=True)
        assert certificates_identity.declaration_result.message_count == 1

        await channel.set_qos(prefetch_count=10)  # stream consumers must set a prefetch
        stream = await channel.get_queue("reporting.city-stream")
        async with stream.iterator(arguments={"x-stream-offset": "first"}) as messages:
            first = await anext(aiter(messages))
            await first.ack()
        assert first.message_id == "started"
