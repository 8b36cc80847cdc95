"""What operators ask over HTTP: the stream position and counts, this replica's consumer, and
the messages the projection could not use (``/health``, ``/ready`` and ``/metrics`` come with
every service's app).

(No ``from __future__ import annotations``: FastAPI resolves the endpoint annotations at
runtime.)
"""

from typing import Annotated

from fastapi import APIRouter, Query

from reporting.api.dependencies import Consumer, Reads, Stream
from reporting.api.schemas import ConsumerOut, StatusOut, UnusableEventOut
from reporting.service import reports

router = APIRouter(prefix="/operations", tags=["operations"])


@router.get(
    "/status",
    response_model=StatusOut,
    summary="Stream position, counts, and this replica's consumer",
)
async def get_status(reads: Reads, stream: Stream, consumer: Consumer) -> StatusOut:
    current = await reports.status(reads, stream)
    return StatusOut(**vars(current), consumer=ConsumerOut(**vars(consumer)))


@router.get(
    "/unusable-events",
    response_model=list[UnusableEventOut],
    summary="Stream messages the projection could not use, with the reason",
)
async def get_unusable(
    reads: Reads,
    after_offset: Annotated[
        int, Query(ge=-1, le=2**63 - 1, description="Page after this offset (a bigint).")
    ] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[UnusableEventOut]:
    rows = await reports.unusable_events(reads, after_offset=after_offset, limit=limit)
    return [
        UnusableEventOut(**{**vars(r), "event_id": str(r.event_id) if r.event_id else None})
        for r in rows
    ]
