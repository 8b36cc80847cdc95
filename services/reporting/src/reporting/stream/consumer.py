"""The stream consumer's life: take the lead, read the stored position, consume from the next
offset, commit each batch with its position, and start over after any failure.

One replica consumes at a time: the leader holds a PostgreSQL advisory lock on the connection
its batches are committed on, so if that connection dies the lock goes with it and the batch
cannot commit; another replica (or this one, after reconnecting) takes over from the stored
position. The others serve HTTP and wait as standby.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg

from contracts.reference import ReferenceData
from contracts.topology import StreamQueue
from reporting import metrics
from reporting.adapters import projection_store as store
from reporting.adapters.stream import ConsumerLost, Offset, consume
from reporting.adapters.unit_of_work import PostgresProjectionUnitOfWork
from reporting.domain.intake import StreamRecord
from reporting.service.ingest import PositionMoved, apply_batch
from reporting.service.ports import ConsumerState
from runtime.amqp import BROKER_ERRORS
from runtime.logging import get_logger
from runtime.metrics import EVENTS_CONSUMED, EVENTS_DUPLICATE
from runtime.postgres import DATABASE_ERRORS

log = get_logger(__name__)

CONSUMER_LOCK = 7_340_511  # advisory-lock key: the one reporting consumer of the stream
# A session analyses the projection's tables after this many batches, then after eight times
# as many each time: a few times per replay, enough for the planner to see their real shape.
FIRST_ANALYSE = 8

TRANSIENT: tuple[type[Exception], ...] = (
    ConsumerLost,
    PositionMoved,
    *DATABASE_ERRORS,
    *BROKER_ERRORS,
)


@dataclass(frozen=True)
class ConsumerConfig:
    database_url: str
    amqp_url: str
    stream: StreamQueue
    prefetch: int = 10_000
    batch_size: int = 5_000
    reconnect_seconds: float = 2.0
    idle_seconds: float = 1.0
    # A replay ends at the first idle only once the stream has delivered, or after this long
    # without a first message: the broker sends the first of a prefetch's worth later the larger
    # the prefetch (0.03 s at 1,000, 0.5 s at 10,000, 1.6 s at 20,000 on the 2-core machine), so
    # an idle right after attaching does not mean an empty stream.
    first_delivery_seconds: float = 10.0


class StreamConsumer:
    def __init__(
        self, config: ConsumerConfig, reference: ReferenceData, *, until_idle: bool = False
    ) -> None:
        """``until_idle``: return once the stream has nothing more (a rebuild), and return at
        once if another process holds the lead."""
        self.config = config
        self.reference = reference
        self.until_idle = until_idle
        self.state = ConsumerState()
        self._analyse_at = FIRST_ANALYSE  # batches of this session
        self._batches = 0
        self._attached_at = 0.0  # time.monotonic() when this session's consumer attached

    async def run(self) -> bool:
        """Consume until cancelled (or, ``until_idle``, until caught up: True, or not leading:
        False)."""
        while True:
            try:
                return await self._session()
            except TRANSIENT as error:
                self.state.last_error = f"{type(error).__name__}: {error}"
                log.warning("stream consumer restarts", error=self.state.last_error)
                await asyncio.sleep(self.config.reconnect_seconds)

    async def _session(self) -> bool:
        async with store.leader_connection(self.config.database_url) as conn:
            try:
                return await self._consume(conn)
            finally:
                self.state.attached = False
                metrics.CONSUMER_ATTACHED.set(0)

    async def _consume(self, conn: asyncpg.Connection) -> bool:
        if not await self._lead(conn):
            return False
        self.state.role = "active"
        position = await store.position(conn, self.config.stream.name)
        self.state.position = position
        offset: Offset = position + 1 if position is not None else "first"
        self._batches, self._analyse_at = 0, FIRST_ANALYSE
        log.info("stream consumer starts", stream=self.config.stream.name, offset=offset)
        await consume(
            self.config.amqp_url,
            self.config.stream.name,
            offset=offset,
            prefetch=self.config.prefetch,
            batch_size=self.config.batch_size,
            handle=lambda records: self._handle(conn, records),
            on_idle=lambda: self._idle(conn),
            idle_seconds=self.config.idle_seconds,
            on_attached=self._attached,
        )
        return True

    async def _lead(self, conn: asyncpg.Connection) -> bool:
        while not await store.take_lead(conn, CONSUMER_LOCK):
            if self.until_idle:
                return False
            if self.state.role != "standby":
                log.info("another replica consumes the stream; standing by")
            self.state.role = "standby"
            await asyncio.sleep(self.config.reconnect_seconds)
        return True

    async def ready(self) -> None:
        """A readiness check: this replica consumes the stream, or another one does."""
        if self.state.role == "standby":
            return
        if not self.state.attached:
            raise ConnectionError(self.state.last_error or "not consuming the stream (yet)")

    def _attached(self) -> None:
        self._attached_at = time.monotonic()
        self.state.attached = True
        self.state.last_error = None
        metrics.CONSUMER_ATTACHED.set(1)

    async def _handle(self, conn: asyncpg.Connection, records: list[StreamRecord]) -> None:
        started = time.perf_counter()
        stream = self.config.stream.name
        result = await apply_batch(
            PostgresProjectionUnitOfWork(conn, stream),
            records,
            self.reference,
            expected_position=self.state.position,
        )
        self.state.position = result.last_offset
        metrics.BATCH_DURATION.observe(time.perf_counter() - started)
        await self._analyse_when_grown(conn)
        if result.last_offset is not None:
            metrics.STREAM_POSITION.set(result.last_offset)
        for event_type, n in result.applied.items():
            EVENTS_CONSUMED.labels(stream, event_type).inc(n)
        if result.duplicates:
            EVENTS_DUPLICATE.labels(stream).inc(result.duplicates)
        for reason, n in result.rejected.items():
            metrics.UNUSABLE_EVENTS.labels(reason).inc(n)
            log.warning("unusable stream messages recorded", reason=reason, count=n)

    async def _analyse_when_grown(self, conn: asyncpg.Connection) -> None:
        """A replay grows emptied tables that nothing analyses in time (autovacuum may be late
        or off): without statistics, a batch's lookup by placement in a table where a
        placement has several rows looks like a large share of it and is planned as a
        sequential scan, slower at every batch. A live session analyses a few times too,
        cheaply (a sample of each table)."""
        self._batches += 1
        if self._batches == self._analyse_at:
            self._analyse_at *= 8
            await store.analyse(conn)

    async def _idle(self, conn: asyncpg.Connection) -> bool:
        """Nothing new: check the position is still ours (a rebuild empties it), then stop
        only if asked to run until idle and the stream has had its chance to deliver."""
        stored = await store.position(conn, self.config.stream.name)
        if stored != self.state.position:
            raise PositionMoved(f"stored position {stored}, ours {self.state.position}")
        waited = time.monotonic() - self._attached_at
        return self.until_idle and (
            self._batches > 0 or waited >= self.config.first_delivery_seconds
        )
