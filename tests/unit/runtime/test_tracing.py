"""Tracing: off by default at no cost, and the W3C trace context carried from the outbox row to
the AMQP message within one trace."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import uuid
from typing import ClassVar

import pytest
from fastapi import FastAPI
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, SpanKind

from runtime import tracing
from runtime.amqp import amqp_message
from runtime.logging import configure_logging, get_logger
from runtime.outbox import OutboxMessage, OutboxRelay

# The W3C Trace Context header, version 00, as the recommendation spells it.
TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


def traceparent_of(context: SpanContext) -> str:
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def message(traceparent: str | None = None) -> OutboxMessage:
    return OutboxMessage(
        id=1,
        event_id=uuid.uuid4(),
        event_type="PlacementStarted",
        exchange="city.events",
        routing_key="sf.PlacementStarted",
        body=b"{}",
        correlation_id="c-1",
        created_at=time.time(),
        traceparent=traceparent,
    )


class Recorder:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    async def publish(self, message: OutboxMessage) -> None:
        self.sent.append(message)


def test_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not tracing.configure_tracing("test")
    assert tracing.current_trace_context() == (None, None)
    app = FastAPI()
    tracing.instrument_http(app)
    assert app.user_middleware == []  # no HTTP instrumentation in the request path
    assert tracing.broker_middlewares() == []


def test_an_otlp_endpoint_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert tracing.otlp_configured()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.otlp_configured()


def test_the_active_span_is_what_an_outbox_row_stores(spans: InMemorySpanExporter) -> None:
    with tracing.span("request") as span:
        assert span is not None
        traceparent, _ = tracing.current_trace_context()
    assert traceparent is not None
    assert TRACEPARENT.match(traceparent)
    assert traceparent == traceparent_of(span.get_span_context())


def test_the_amqp_message_carries_the_trace_context() -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    sent = amqp_message(
        b"{}",
        event_id=uuid.uuid4(),
        event_type="PlacementStarted",
        traceparent=traceparent,
        tracestate="city=1",
    )
    assert sent.headers == {"traceparent": traceparent, "tracestate": "city=1"}
    assert amqp_message(b"{}", event_id=uuid.uuid4(), event_type="X").headers == {}


async def test_the_relay_publishes_a_row_within_its_trace(spans: InMemorySpanExporter) -> None:
    with tracing.span("request") as request:
        assert request is not None
        traceparent, _ = tracing.current_trace_context()
    publisher = Recorder()
    relay = OutboxRelay(pool=None, publisher=publisher)

    await relay._publish(message(traceparent))

    [publish] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.PRODUCER]
    assert publish.name == "city.events publish"
    assert publish.context is not None
    assert publish.parent is not None
    assert publish.parent.span_id == request.get_span_context().span_id
    assert publish.context.trace_id == request.get_span_context().trace_id
    # the consumer's parent is the publish span, in the same trace
    [sent] = publisher.sent
    assert sent.traceparent == traceparent_of(publish.context)


async def test_untraced_rows_and_a_relay_without_tracing_pass_the_context_on_unchanged() -> None:
    publisher = Recorder()
    relay = OutboxRelay(pool=None, publisher=publisher)
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    await relay._publish(message(traceparent))
    await relay._publish(message(None))

    assert [m.traceparent for m in publisher.sent] == [traceparent, None]


def test_a_batch_span_joins_the_first_trace_and_links_every_message(
    spans: InMemorySpanExporter,
) -> None:
    first = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    second = "00-11111111111111111111111111111111-2222222222222222-01"
    carriers = [{"traceparent": first}, {}, {"traceparent": second}, {"traceparent": "junk"}]

    with tracing.batch_span("stream process", carriers, attributes={"n": 4}):
        pass

    [batch] = spans.get_finished_spans()
    assert batch.kind == SpanKind.CONSUMER
    assert batch.parent is not None
    assert batch.parent.span_id == 0xB7AD6B7169203331
    assert batch.context is not None
    assert batch.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert [(link.context.trace_id, link.context.span_id) for link in batch.links] == [
        (0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331),
        (0x11111111111111111111111111111111, 0x2222222222222222),
    ]


def test_log_lines_inside_a_span_carry_its_ids(
    spans: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("test", json=True)
    try:
        log = get_logger(f"test.{uuid.uuid4()}")
        with tracing.span("work") as span:
            assert span is not None
            log.info("inside")
        log.info("outside")
    finally:
        configure_logging("tests", "WARNING", json=False)
    inside, outside = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert "trace_id" not in outside


def test_a_database_query_is_traced_only_within_traced_work(spans: InMemorySpanExporter) -> None:
    with tracing.span("SELECT", kind=SpanKind.CLIENT):
        pass  # the relay's polling: no trace of its own
    with (
        tracing.span("request", kind=SpanKind.SERVER),
        tracing.span("INSERT", kind=SpanKind.CLIENT),
    ):
        pass
    assert sorted(s.name for s in spans.get_finished_spans()) == ["INSERT", "request"]


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it is sent."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def test_spans_go_to_the_configured_otlp_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        assert tracing.configure_tracing("placements")
        with tracing.span("register"):
            pass
        provider = tracing.provider()
        assert provider is not None
        assert provider.force_flush()
    finally:
        tracing.stop_tracing()
        server.shutdown()
    # read back with the protocol's own definitions
    [(path, body)] = Collector.received
    request = ExportTraceServiceRequest.FromString(body)
    [resource] = request.resource_spans
    attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert path == "/v1/traces"
    assert attributes["service.name"] == "placements"
    assert [s.name for scope in resource.scope_spans for s in scope.spans] == ["register"]
