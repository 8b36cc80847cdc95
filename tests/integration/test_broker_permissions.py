"""Broker permissions, enforced by the real broker: a förvaltning publishes only under its own
organisation code, and the reporting service cannot read identity data."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from urllib.parse import quote

import aio_pika
import aiormq
import pytest

from contracts.topology import CITY_TOPOLOGY, broker_users, publisher_user_name
from runtime.amqp import declare
from tools.broker_admin import delete_users, provision_users
from tools.sandbox import AMQP_HOST, management, unique

pytestmark = pytest.mark.integration


@pytest.fixture
async def users(amqp_url: str) -> AsyncIterator[dict[str, str]]:
    """The city's broker users (uniquely prefixed) in the test vhost; yields name → URL."""
    await declare(amqp_url, CITY_TOPOLOGY)
    vhost = amqp_url.rsplit("/", 1)[1]
    specs = broker_users(["sf", "kf"], prefix=f"{unique('t')}-")
    passwords = {u.name: secrets.token_urlsafe(16) for u in specs}
    async with management() as api:
        await provision_users(api, vhost, specs, passwords)
        try:
            yield {
                u.name: f"amqp://{quote(u.name)}:{passwords[u.name]}@{AMQP_HOST}/{vhost}"
                for u in specs
            }
        finally:
            await delete_users(api, specs)


def url_of(users: dict[str, str], suffix: str) -> str:
    [url] = [url for name, url in users.items() if name.endswith(suffix)]
    return url


async def publish(url: str, exchange: str, routing_key: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange, ensure=False)
        await target.publish(aio_pika.Message(b"{}"), routing_key=routing_key)


async def test_forvaltning_user_publishes_its_own_routing_keys(users: dict[str, str]) -> None:
    sf = url_of(users, publisher_user_name("sf"))
    await publish(sf, "city.events", "sf.PlacementStarted")
    await publish(sf, "city.identity", "sf.ParticipantIdentified")


async def test_forvaltning_user_is_refused_another_organisation_code(
    users: dict[str, str],
) -> None:
    sf = url_of(users, publisher_user_name("sf"))
    for exchange, key in (
        ("city.events", "kf.PlacementStarted"),
        ("city.identity", "kf.ParticipantIdentified"),
    ):
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused, match="ACCESS_REFUSED"):
            await publish(sf, exchange, key)


async def test_reporting_user_cannot_read_identity_data(users: dict[str, str]) -> None:
    reporting = url_of(users, "-reporting")
    connection = await aio_pika.connect(reporting)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue("certificates.identity", ensure=False)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await queue.get(fail=False)  # consuming needs read permission on the queue
    connection = await aio_pika.connect(reporting)
    async with connection:
        channel = await connection.channel()
        own = await channel.declare_queue("reporting.sneaky", durable=True)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await own.bind("city.identity", routing_key="#")  # binding needs read on it


async def test_certificates_user_reads_identity_but_cannot_forge_placement_events(
    users: dict[str, str],
) -> None:
    certificates = url_of(users, "-certificates")
    connection = await aio_pika.connect(certificates)
    async with connection:
        queue = await (await connection.channel()).get_queue("certificates.identity")
        assert await queue.get(fail=False) is None
    await publish(certificates, "city.events", "sf.CertificateIssued")
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await publish(certificates, "city.events", "sf.PlacementEnded")
