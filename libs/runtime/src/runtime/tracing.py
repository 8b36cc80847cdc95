"""OpenTelemetry tracing, set up once per process by the service's bootstrap.

Off unless an OTLP endpoint is configured (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, the standard variables): then spans go over OTLP/HTTP
in batches, from the HTTP server, the database (asyncpg), the outbox relay and the consumers.
Off, nothing is instrumented and every helper here returns after one check, so the hot paths
(the relay, the stream ingest) pay nothing.

W3C trace context (``traceparent``, ``tracestate``) is what crosses process boundaries: it is
stored with each outbox row (:func:`current_trace_context`), carried in the AMQP headers, and
read back by the consumers (:func:`context_from`), so one user action is one trace through
every service.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
MAX_LINKS = 128  # the SDK's default limit: a batch span keeps no more anyway

_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def configure_tracing(service_name: str, *, exporter: SpanExporter | None = None) -> bool:
    """Trace this process if an OTLP endpoint is configured (or ``exporter`` is given, as the
    tests do); True if tracing is on. Calling it again keeps the first set-up: a service that
    starts over after an outage bootstraps again in the same process."""
    global _provider, _tracer
    if _provider is not None:
        return True
    if exporter is None:
        if not otlp_configured():
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(OTLPSpanExporter())
        provider = _provider_for(service_name)
        trace.set_tracer_provider(provider)  # for libraries that use the global one
    else:
        processor = SimpleSpanProcessor(exporter)  # synchronous: a test sees spans at once
        provider = _provider_for(service_name)
    provider.add_span_processor(processor)
    _instrument_database(provider)
    _provider, _tracer = provider, provider.get_tracer("runtime")
    return True


def _provider_for(service_name: str) -> TracerProvider:
    return TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=ParentBased(root=NoLoneQueries()),
    )


class NoLoneQueries(Sampler):
    """Every trace a request or a message starts, but no database query outside one: the
    relay's polling, the monitors and the stream's idle checks would otherwise each make a
    trace of one span, several a second, and bury the traces that matter."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        sampler = ALWAYS_OFF if kind == SpanKind.CLIENT else ALWAYS_ON
        return sampler.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "NoLoneQueries"


def stop_tracing() -> None:
    """Flush and switch tracing off again (for tests that turned it on)."""
    global _provider, _tracer
    if _provider is None:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
    _provider.shutdown()
    _provider = _tracer = None


def otlp_configured() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def enabled() -> bool:
    return _provider is not None


def provider() -> TracerProvider | None:
    """The process's tracer provider, None while tracing is off."""
    return _provider


def _instrument_database(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    # Parameters stay out of the spans: they hold personal data.
    instrumentor = AsyncPGInstrumentor(capture_parameters=False)  # type: ignore[no-untyped-call]
    instrumentor.instrument(tracer_provider=provider)


def instrument_http(app: Any, *, excluded: str = "/health$,/ready$,/metrics$") -> None:
    """Server spans for a FastAPI app (continuing a caller's ``traceparent``), when tracing is
    on. The probes and the scrape endpoint are left out: they would be most of the spans."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, excluded_urls=excluded)


def broker_middlewares() -> list[Any]:
    """FastStream's consume and publish spans (continuing each message's ``traceparent``),
    when tracing is on; put them first so everything the message causes is inside them."""
    if _provider is None:
        return []
    from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

    return [RabbitTelemetryMiddleware(tracer_provider=_provider)]


def current_trace_context() -> tuple[str | None, str | None]:
    """The active span's ``traceparent`` and ``tracestate``, to store with what it causes."""
    if _provider is None:
        return None, None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT), carrier.get(TRACESTATE)


def context_from(traceparent: Any, tracestate: Any = None) -> Context | None:
    """The trace context a message carries; None if it carries none (or a malformed one)."""
    if not isinstance(traceparent, str):
        return None
    carrier = {TRACEPARENT: traceparent}
    if isinstance(tracestate, str):
        carrier[TRACESTATE] = tracestate
    context = _PROPAGATOR.extract(carrier)
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def headers_of(traceparent: str | None, tracestate: str | None) -> dict[str, Any]:
    """AMQP headers for a trace context; empty without one."""
    if traceparent is None:
        return {}
    if tracestate:
        return {TRACEPARENT: traceparent, TRACESTATE: tracestate}
    return {TRACEPARENT: traceparent}


@contextlib.contextmanager
def span(
    name: str,
    *,
    parent: Context | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    links: Iterable[Link] = (),
    attributes: Mapping[str, str | int] | None = None,
) -> Iterator[Span | None]:
    """A span around the block when tracing is on (the current one's child unless ``parent``
    is given); None and no cost when it is off."""
    if _tracer is None:
        yield None
        return
    with _tracer.start_as_current_span(
        name, context=parent, kind=kind, links=list(links), attributes=attributes
    ) as current:
        yield current


def batch_span(
    name: str, carriers: Iterable[Mapping[str, Any]], *, attributes: Mapping[str, str | int]
) -> contextlib.AbstractContextManager[Span | None]:
    """One consumer span for a batch of messages, linked to each message's trace context.

    A span has one parent; the batch takes the first traced message's, so a batch that serves
    one user action (the usual case at a quiet time) shows up inside that action's trace, and
    the others are reached through the links. Costs nothing while tracing is off."""
    if _tracer is None:
        return contextlib.nullcontext()
    contexts = [
        c for c in (context_from(h.get(TRACEPARENT), h.get(TRACESTATE)) for h in carriers) if c
    ]
    links = [Link(trace.get_current_span(c).get_span_context()) for c in contexts[:MAX_LINKS]]
    return span(
        name,
        parent=contexts[0] if contexts else None,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes=attributes,
    )


def trace_ids(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: ``trace_id`` and ``span_id`` on every line logged inside a span."""
    if _provider is None:
        return event_dict
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict
