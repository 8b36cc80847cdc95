"""The certificates service's side of the event stream, as FastStream sees it.

Two consumer queues: the city-wide placement events and the restricted identity route. The
messages delivered meanwhile (up to the prefetch) are applied in one transaction with their
inbox records (so a redelivery changes nothing), each acknowledged only after that commit, and
the certificate a message completes is issued in that same transaction. ``CertificateIssued`` and
``CertificateRevoked`` leave through the outbox relay; the publishers declared here describe
them for the AsyncAPI document.

``create_broker(url)`` alone is enough for the document; the running service
(:mod:`certificates.bootstrap`) also passes the :class:`Consumers` that the handlers call.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

from faststream.rabbit import Channel, RabbitBroker
from pydantic import Field

from certificates.domain.certificate import InvalidEvent
from certificates.metrics import observe_committed
from certificates.service import handlers
from certificates.service.context import Context as ServiceContext
from certificates.service.ports import UnitOfWork
from contracts.events import (
    CERTIFICATE_EVENTS,
    AssessmentCorrected,
    Envelope,
    ModuleAssessed,
    ParticipantIdentified,
    PlacementDetailsCorrected,
    PlacementEndCorrected,
    PlacementEnded,
    PlacementStarted,
    PlacementUpdated,
    PlacementWithdrawn,
    ValueAddedCorrected,
    ValueAddedRecorded,
)
from contracts.topology import (
    CERTIFICATES_IDENTITY,
    CERTIFICATES_PLACEMENT_EVENTS,
    CITY_TOPOLOGY,
    Topology,
)
from runtime.asyncapi import document_publishers
from runtime.batching import Batcher
from runtime.consumer import DeliveryPolicy, RejectedEvent, subscribe
from runtime.inbox import consume_batch, consume_once
from runtime.tracing import (
    TRACEPARENT,
    TRACESTATE,
    batch_span,
    broker_middlewares,
    context_from,
    current_trace_context,
    headers_of,
    span,
)

PlacementEvent = Annotated[
    PlacementStarted
    | PlacementUpdated
    | ValueAddedRecorded
    | ModuleAssessed
    | PlacementEnded
    | PlacementEndCorrected
    | AssessmentCorrected
    | ValueAddedCorrected
    | PlacementDetailsCorrected
    | PlacementWithdrawn,
    Field(discriminator="event_type"),
]
"""Any city-wide placement event; FastStream validates it and picks the model by type."""

_E = TypeVar("_E", bound=Envelope)
UseCase = Callable[[UnitOfWork, ServiceContext, _E], Awaitable[None]]


@dataclass(frozen=True)
class _Delivery:
    event: Envelope
    use_case: UseCase[Any]
    trace: dict[str, Any]
    """The message's trace context, for the batch's span to link to."""


class Consumers:
    """Applies consumed events in batches: the inbox records, the use cases and the commit of
    every event delivered meanwhile in one unit of work (one by one if the batch fails)."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        context: ServiceContext,
        *,
        batch_unit_of_work: Callable[[Sequence[Envelope]], UnitOfWork] | None = None,
        batch_size: int = 256,
        concurrency: int = 1,
    ) -> None:
        """``batch_unit_of_work``: one for a batch of events, which it may prepare for (by
        default the ``unit_of_work``)."""
        self._unit_of_work = unit_of_work
        self._batch_unit_of_work = batch_unit_of_work or (lambda _: unit_of_work())
        self._context = context
        self._batches = {
            queue: Batcher(
                partial(self._apply_batch, queue),
                partial(self._apply_one, queue),
                max_size=batch_size,
                concurrency=concurrency,
            )
            for queue in (CERTIFICATES_PLACEMENT_EVENTS.name, CERTIFICATES_IDENTITY.name)
        }

    async def placement_event(self, event: Envelope) -> None:
        await self._submit(
            CERTIFICATES_PLACEMENT_EVENTS.name, event, handlers.apply_placement_event
        )

    async def identity(self, event: ParticipantIdentified) -> None:
        await self._submit(CERTIFICATES_IDENTITY.name, event, handlers.apply_identity)

    async def _submit(self, queue: str, event: _E, use_case: UseCase[_E]) -> None:
        await self._batches[queue].submit(
            _Delivery(event, use_case, headers_of(*current_trace_context()))
        )

    async def _apply_batch(self, queue: str, deliveries: Sequence[_Delivery]) -> list[bool]:
        if len(deliveries) == 1:  # a quiet time: its own span, inside its message's trace
            return [await self._apply_one(queue, deliveries[0])]
        # Placements are locked in one order (each placement's events keep theirs), so two
        # batches never wait for each other's locks the other way round.
        order = sorted(range(len(deliveries)), key=lambda i: deliveries[i].event.placement_id)
        uow = self._batch_unit_of_work([deliveries[i].event for i in order])
        with batch_span(
            f"handle {queue} batch",
            [d.trace for d in deliveries],
            attributes={"messaging.batch.message_count": len(deliveries)},
        ):
            applied = await consume_batch(
                lambda: uow, queue, [self._effect(deliveries[i]) for i in order]
            )
        observe_committed(uow.committed)
        results = [False] * len(deliveries)
        for i, first in zip(order, applied, strict=True):
            results[i] = first
        return results

    async def _apply_one(self, queue: str, delivery: _Delivery) -> bool:
        uow = self._unit_of_work()
        event = delivery.event
        # the events it publishes (CertificateIssued …) are written inside this span
        with span(
            f"handle {event.event_type}",
            parent=context_from(delivery.trace.get(TRACEPARENT), delivery.trace.get(TRACESTATE)),
            attributes={"messaging.message.id": str(event.event_id)},
        ):
            _, effect = self._effect(delivery)
            applied = await consume_once(lambda: uow, queue, event, effect)
        if applied:
            observe_committed(uow.committed)
        return applied

    def _effect(
        self, delivery: _Delivery
    ) -> tuple[Envelope, Callable[[UnitOfWork], Awaitable[None]]]:
        async def effect(uow: UnitOfWork) -> None:
            try:
                await delivery.use_case(uow, self._context, delivery.event)
            except InvalidEvent as error:
                raise RejectedEvent(str(error)) from error  # dead-lettered as invalid, at once

        return delivery.event, effect


def _wired(consumers: Consumers | None) -> Consumers:
    # A broker built without consumers fails loudly in the handler (and the message is
    # retried) instead of failing FastStream's validation, which would dead-letter good events.
    if consumers is None:
        raise RuntimeError("this broker was created without consumers (for documents only)")
    return consumers


def _handlers(
    consumers: Consumers | None,
) -> tuple[Callable[..., Awaitable[None]], Callable[..., Awaitable[None]]]:
    """The subscribers' handlers, bound to ``consumers`` by closure: FastStream's ``Context``
    parameter would resolve in a worker thread for every message."""

    async def on_placement_event(event: PlacementEvent) -> None:
        """Store a placement event; issue, supersede or revoke the certificate as it decides."""
        await _wired(consumers).placement_event(event)

    async def on_participant_identified(event: ParticipantIdentified) -> None:
        """Store the participant's name and personnummer; the certificate needs them."""
        await _wired(consumers).identity(event)

    return on_placement_event, on_participant_identified


def create_broker(
    amqp_url: str,
    consumers: Consumers | None = None,
    *,
    prefetch_count: int = 64,
    backoff: float = 0.5,
    backoff_max: float = 30.0,
    topology: Topology = CITY_TOPOLOGY,
) -> RabbitBroker:
    broker = RabbitBroker(
        amqp_url,
        middlewares=[
            *broker_middlewares(),  # outermost: the dead-letter handling is inside the span
            DeliveryPolicy(topology, backoff=backoff, backoff_max=backoff_max),
        ],
        default_channel=Channel(prefetch_count=prefetch_count),
        log_level=logging.DEBUG,  # FastStream logs every message; at INFO that halves throughput
        description="Certificates: the competence record and the kompetensintyg.",
    )
    on_placement_event, on_participant_identified = _handlers(consumers)
    subscribe(broker, CERTIFICATES_PLACEMENT_EVENTS)(on_placement_event)
    subscribe(broker, CERTIFICATES_IDENTITY)(on_participant_identified)
    document_publishers(broker, CERTIFICATE_EVENTS)
    return broker
