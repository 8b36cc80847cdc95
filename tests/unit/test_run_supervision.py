"""``make run`` keeps the city running: a service process that exits is started again, and
Ctrl-C stops it for good."""

from __future__ import annotations

import asyncio
import os

import pytest

from tools import run


async def test_a_service_that_exits_is_started_again_until_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "RESTART_PAUSE_SECONDS", 0.05)
    stop = asyncio.Event()
    # `python -m this` prints a poem and exits at once: a service that keeps failing
    supervised = asyncio.create_task(run.supervise("this", dict(os.environ), stop))
    await asyncio.sleep(1.5)
    assert not supervised.done(), "the supervisor gave up"
    stop.set()
    await asyncio.wait_for(supervised, 10)
    restarts = capsys.readouterr().out.count("this exited with 0; starting it again")
    assert restarts >= 2
