"""The broker takes the consumer's connection away while events flow (what a broker restart,
a network cut or an operator's "close connection" does). Reporting must not exit: it
reconnects, resumes from its stored offset, and the figures stay exact."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from reporting.domain.intake import StreamRecord
from reporting.stream.consumer import StreamConsumer
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import TARGETS_2026, assert_year_2026, messages
from tests.support import close_connections, eventually

pytestmark = pytest.mark.integration

REPEATS = 10  # the scenario's messages, sent again and again: duplicates change no figure
CLOSES = 4


async def test_connections_closed_mid_batch_never_stop_the_consumer(
    reporting: Reporting,
) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    await reporting.publish(messages() * REPEATS)
    consumer = reporting.start(batch_size=2, prefetch=20)
    [task] = reporting.tasks
    vhost = reporting.amqp_url.rsplit("/", 1)[1]
    closes = 0
    while closes < CLOSES:
        await asyncio.sleep(0.3)
        assert not task.done(), f"the consumer stopped: {task.exception() if task.done() else ''}"
        if consumer.state.attached:
            closes += await close_connections(vhost) > 0
    await reporting.caught_up(within=120)
    assert not task.done()
    assert_year_2026(await reporting.report(kind="year", year=2026))

    async def attached_again() -> bool:
        return consumer.state.attached

    await eventually(attached_again)


class ClosedWhileHandling(StreamConsumer):
    """Its connection is closed while a batch is being committed, so the batch commits and its
    acknowledgement then meets a closed channel: the moment a broker restart hits under load."""

    closes = 0

    async def _handle(self, conn: asyncpg.Connection, records: list[StreamRecord]) -> None:
        if self.closes < CLOSES:

            async def closed() -> bool:  # the management API lists a connection after a moment
                return await close_connections(self.vhost) > 0

            await eventually(closed, within=30)
            self.closes += 1
            await asyncio.sleep(0.2)  # until the client has seen its connection go
        await super()._handle(conn, records)

    @property
    def vhost(self) -> str:
        return self.config.amqp_url.rsplit("/", 1)[1]


async def test_an_acknowledgement_on_a_closed_channel_restarts_the_session(
    reporting: Reporting,
) -> None:
    await reporting.set_targets(2026, TARGETS_2026)
    await reporting.publish(messages() * REPEATS)
    consumer = ClosedWhileHandling(
        dataclasses.replace(reporting.config, batch_size=5, reconnect_seconds=0.2),
        reporting.reference,
    )
    task = asyncio.create_task(consumer.run())
    reporting.tasks.append(task)

    async def caught_up_or_stopped() -> bool:
        return task.done() or await reporting.position() == reporting.published - 1

    await eventually(caught_up_or_stopped, within=120)
    assert not task.done(), f"the consumer stopped: {task.exception()!r}"
    assert consumer.closes == CLOSES
    assert_year_2026(await reporting.report(kind="year", year=2026))
