"""Gather what concurrent callers submit and apply it together: one transaction for many
messages instead of one each.

A consumer with a prefetch of N has up to N deliveries in flight, each in its own task. Each
task submits its message and waits; one batch at a time is applied, holding whatever arrived
while the previous batch ran (up to ``max_size``). At a quiet time a batch is one message and
waits for nothing; under load batches grow by themselves to fill the time a transaction takes.

A batch that fails as a whole (one bad message rolls back everything) is applied again one
item at a time, so each caller gets its own item's outcome: its result, or its own error to
retry or dead-letter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from runtime.logging import get_logger

log = get_logger(__name__)

_T = TypeVar("_T")
_R = TypeVar("_R")

ApplyBatch = Callable[[Sequence[_T]], Awaitable[Sequence[_R]]]
ApplyOne = Callable[[_T], Awaitable[_R]]


class Batcher(Generic[_T, _R]):
    def __init__(
        self,
        apply_batch: ApplyBatch[_T, _R],
        apply_one: ApplyOne[_T, _R],
        *,
        max_size: int,
        concurrency: int = 1,
    ) -> None:
        """``apply_batch`` returns one result per item, in their order, or raises for all.
        ``concurrency``: batches applied at once (each on its own database connection)."""
        self._apply_batch = apply_batch
        self._apply_one = apply_one
        self._max_size = max_size
        self._concurrency = concurrency
        self._pending: list[tuple[_T, asyncio.Future[_R]]] = []
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, item: _T) -> _R:
        """Apply ``item`` with the others waiting; its result once its batch has committed."""
        future: asyncio.Future[_R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._flushers) < self._concurrency:
            self._flushers.add(asyncio.create_task(self._flush_pending()))
        return await future

    async def _flush_pending(self) -> None:
        try:
            await asyncio.sleep(0)  # deliveries already received join the first batch
            while self._pending:
                batch = self._pending[: self._max_size]
                del self._pending[: self._max_size]
                await self._flush([(item, f) for item, f in batch if not f.cancelled()])
        finally:
            # at once, not in a done-callback: a submit in between would find no flusher
            task = asyncio.current_task()
            if task is not None:
                self._flushers.discard(task)

    async def _flush(self, batch: list[tuple[_T, asyncio.Future[_R]]]) -> None:
        if not batch:
            return
        try:
            results = await self._apply_batch([item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:  # each item gets its own outcome below
            if len(batch) > 1:
                log.info("batch failed, applying its items one by one", error=repr(error))
            await self._one_by_one(batch, error if len(batch) == 1 else None)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _one_by_one(
        self, batch: list[tuple[_T, asyncio.Future[_R]]], known: Exception | None
    ) -> None:
        """A batch of one already has its outcome (``known``): no second try of its own."""
        for item, future in batch:
            try:
                if known is not None:
                    raise known
                result = await self._apply_one(item)
            except asyncio.CancelledError:
                future.cancel()
                raise
            except Exception as error:  # the caller retries or dead-letters it
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(result)
