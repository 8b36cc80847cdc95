"""The database goes away while placement events keep arriving. The consumers hold their
messages and wait for it, rather than spend the messages' delivery attempts on an outage that
is no fault of theirs: when it returns, every certificate is issued and nothing is
dead-lettered, with no operator replaying anything."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.certificates.conftest import placement, running_service
from tests.support import eventually
from tools.forwarder import Forwarder
from tools.sandbox import POSTGRES_URL

pytestmark = pytest.mark.integration

PLACEMENTS = 12
OUTAGE_SECONDS = 4.0  # the test broker's back-off (0.05 s, doubling) spends 5 attempts in 1 s


async def test_an_outage_longer_than_the_retries_strands_no_certificate(
    amqp_url: str, database_url: str
) -> None:
    database = Forwarder(POSTGRES_URL.rsplit("@", 1)[-1])
    await database.up()
    async with running_service(amqp_url, database.url(database_url)) as service:
        placements = [placement() for _ in range(PLACEMENTS)]
        await database.down()
        for each in placements:
            await service.publish_placement(each)
        await asyncio.sleep(OUTAGE_SECONDS)
        await database.up()

        async def all_issued() -> bool:
            issued = await service.count("SELECT count(*) FROM certificates")
            return issued == PLACEMENTS

        await eventually(all_issued, within=60)
        assert await service.dead_letters() == []
    await database.down()
