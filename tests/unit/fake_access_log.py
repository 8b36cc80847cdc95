"""The access log in memory, for the services' unit-of-work fakes: reads recorded in a unit of
work count once it commits (the fake moves ``pending`` to ``committed``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from runtime.access_log import Access, LoggedAccess


class FakeAccessLog:
    def __init__(self, committed: list[Access]) -> None:
        self._committed = committed
        self.pending: list[Access] = []

    async def record(self, access: Access) -> None:
        self.pending.append(access)

    async def reads_of(self, placement_ids: Sequence[uuid.UUID]) -> list[LoggedAccess]:
        """The committed reads of any of ``placement_ids``, as the log reads them back."""
        return [
            LoggedAccess(
                id=number,
                at=datetime(2027, 6, 30, tzinfo=UTC),
                who=a.reader.who,
                role=a.reader.role,
                organisation=a.reader.organisation,
                action=a.reader.action,
                owners=list(a.owners),
                placement_ids=list(a.placement_ids),
                correlation_id=a.reader.correlation_id,
            )
            for number, a in enumerate(self._committed, 1)
            if set(a.placement_ids) & set(placement_ids)
        ]
