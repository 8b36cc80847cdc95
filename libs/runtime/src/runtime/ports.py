"""The unit of work as the use cases see it, whatever it stores in. Services extend these with
their repositories; PostgreSQL adapters and in-memory fakes both implement them."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class Snapshot(Protocol):
    """A block of reads that agree with each other."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(Snapshot, Protocol):
    """A block that changes nothing unless ``commit`` is called inside it."""

    async def commit(self) -> None: ...
