"""One user action, one trace: ending a placement over HTTP is followed through the placements
service, the broker, the certificates service (which issues the certificate and publishes
``CertificateIssued``) and reporting's stream consumer, all in this process on one vhost."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.integration.certificates.conftest import Service as Certificates
from tests.integration.certificates.conftest import running_service
from tests.integration.placements.conftest import Placements, registration, running_placements
from tests.integration.reporting.conftest import Reporting, running_reporting
from tests.support import eventually, temporary_database

pytestmark = pytest.mark.integration


@dataclass
class City:
    placements: Placements
    certificates: Certificates
    reporting: Reporting


@pytest.fixture
async def city(spans: InMemorySpanExporter, amqp_url: str) -> AsyncIterator[City]:
    """The three services on one vhost, each on its own database, traced from the start."""
    async with AsyncExitStack() as stack:
        databases = [await stack.enter_async_context(temporary_database()) for _ in range(3)]
        placements = await stack.enter_async_context(running_placements(amqp_url, databases[0]))
        certificates = await stack.enter_async_context(running_service(amqp_url, databases[1]))
        reporting = await stack.enter_async_context(running_reporting(amqp_url, databases[2]))
        reporting.start()
        yield City(placements, certificates, reporting)


async def live_a_placement(city: City) -> uuid.UUID:
    """Register, assess and record mervärde; the end is left to the test."""
    async with city.placements.client() as client:
        created = await client.post("/placements", json=registration())
        assert created.status_code == 201, created.text
        url = f"/placements/{created.json()['id']}"
        round_ = {
            "assessed_on": "2026-06-01",
            "assessor": "handledare",
            "modules": [{"module": "sprak", "level": "B1", "comment": "Bra framsteg."}],
        }
        assert (await client.post(f"{url}/assessment-rounds", json=round_)).is_success
        value_added = {"beneficiary": "individual", "category": "sprakutveckling"}
        assert (await client.post(f"{url}/value-added", json=value_added)).is_success
    return uuid.UUID(created.json()["id"])


BATCH_SIZE = "messaging.batch.message_count"


def one(spans: Sequence[ReadableSpan], **wanted: Any) -> ReadableSpan:
    found = [s for s in spans if all(_matches(s, key, value) for key, value in wanted.items())]
    assert len(found) == 1, f"{len(found)} spans match {wanted}: {[s.name for s in spans]}"
    return found[0]


def _matches(span: ReadableSpan, key: str, value: Any) -> bool:
    if key in ("name", "kind"):
        return bool(getattr(span, key) == value)
    return bool((span.attributes or {}).get(key.replace("__", ".")) == value)


def ancestors(span: ReadableSpan, spans: Sequence[ReadableSpan]) -> list[int]:
    """The span ids from ``span``'s parent up to the root, as far as they were recorded."""
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    chain: list[int] = []
    parent = span.parent
    while parent is not None:
        chain.append(parent.span_id)
        parent = by_id[parent.span_id].parent if parent.span_id in by_id else None
    return chain


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


async def test_ending_a_placement_is_one_trace_through_all_three_services(
    city: City, spans: InMemorySpanExporter
) -> None:
    placement_id = await live_a_placement(city)
    city.reporting.published = len(await city.placements.published())
    await city.reporting.caught_up()  # so that no batch of reporting's mixes in earlier actions
    spans.clear()  # what follows is the one action followed: the end of the placement

    async with city.placements.client() as client:
        url = f"/placements/{placement_id}/end"
        ended = await client.post(url, json={"end_date": "2026-06-30", "outcome": "A"})
    assert ended.status_code == 200, ended.text
    await city.certificates.issued(placement_id)

    def producer(event_type: str) -> list[ReadableSpan]:
        return [
            s
            for s in spans.get_finished_spans()
            if s.kind == SpanKind.PRODUCER
            and (s.attributes or {}).get("messaging.message.type") == event_type
        ]

    async def reported() -> bool:
        """Reporting has taken both events of this action (in one batch or two)."""
        published = producer("PlacementEnded") + producer("CertificateIssued")
        batches = [s for s in spans.get_finished_spans() if BATCH_SIZE in (s.attributes or {})]
        linked = {link.context.span_id for batch in batches for link in batch.links}
        return len(published) == 2 and {span_id(s) for s in published} <= linked

    await eventually(reported)
    everything = spans.get_finished_spans()
    http = one(everything, kind=SpanKind.SERVER, name="POST /placements/{placement_id}/end")
    [ended_publish], [issued_publish] = producer("PlacementEnded"), producer("CertificateIssued")
    handle = one(everything, name="handle PlacementEnded")
    batches = [s for s in everything if BATCH_SIZE in (s.attributes or {})]

    followed = [http, ended_publish, handle, issued_publish, *batches]
    assert len({s.context.trace_id for s in followed if s.context is not None}) == 1
    assert span_id(http) in ancestors(ended_publish, everything)
    consume = one(everything, kind=SpanKind.CONSUMER, name="city.events.sf.PlacementEnded process")
    assert consume.parent is not None
    assert consume.parent.span_id == span_id(ended_publish)  # FastStream's, from the header
    assert handle.parent is not None
    assert handle.parent.span_id == span_id(consume)
    assert span_id(handle) in ancestors(issued_publish, everything)
    # reporting's batch joins the trace of the first message it carries (and links them all)
    for batch in batches:
        assert {span_id(ended_publish), span_id(issued_publish)} & set(ancestors(batch, everything))
    # the database work sits inside the trace: the certificate is written within the handling
    assert any(
        s.name == "INSERT" and span_id(handle) in ancestors(s, everything) for s in everything
    )
