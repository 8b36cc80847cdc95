"""The batcher: messages delivered together are applied together, and a batch that fails gives
each message its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from runtime.batching import Batcher


class Poisoned(ValueError):
    pass


class Recorder:
    """Applies numbers; a negative one fails whatever batch it is in."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []

    async def apply_batch(self, items: Sequence[int]) -> list[int]:
        await asyncio.sleep(0.01)  # a transaction takes time: more arrive meanwhile
        if any(i < 0 for i in items):
            raise Poisoned(f"{min(items)} in the batch")
        self.batches.append(list(items))
        return [i * 10 for i in items]

    async def apply_one(self, item: int) -> int:
        if item < 0:
            raise Poisoned(str(item))
        self.singles.append(item)
        return item * 10


async def test_concurrent_submissions_share_batches_and_each_gets_its_own_result() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.apply_batch, recorder.apply_one, max_size=4)

    results = await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert results == [i * 10 for i in range(10)]
    assert recorder.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert recorder.singles == []


async def test_a_lone_submission_is_applied_at_once_as_a_batch_of_one() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.apply_batch, recorder.apply_one, max_size=64)

    assert await batcher.submit(7) == 70
    assert await batcher.submit(8) == 80
    assert recorder.batches == [[7], [8]]


async def test_a_failing_batch_is_applied_one_by_one_and_only_the_bad_item_fails() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.apply_batch, recorder.apply_one, max_size=8)

    outcomes = await asyncio.gather(
        *(batcher.submit(i) for i in (1, -2, 3)), return_exceptions=True
    )

    assert outcomes[0] == 10
    assert isinstance(outcomes[1], Poisoned)
    assert outcomes[2] == 30
    assert recorder.batches == []
    assert recorder.singles == [1, 3], "the good ones applied once each, in order"


async def test_a_batch_of_one_that_fails_is_not_tried_a_second_time() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.apply_batch, recorder.apply_one, max_size=8)

    with pytest.raises(Poisoned, match="-5 in the batch"):
        await batcher.submit(-5)
    assert recorder.singles == []


async def test_with_a_concurrency_of_two_a_second_batch_starts_while_the_first_runs() -> None:
    running = 0
    most = 0

    async def apply_batch(items: Sequence[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return list(items)

    batcher = Batcher(apply_batch, Recorder().apply_one, max_size=2, concurrency=2)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(6))) == list(range(6))
    assert most == 2
