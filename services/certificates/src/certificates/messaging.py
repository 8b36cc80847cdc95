"""The certificates service's side of the event stream, as FastStream sees it.

Two consumer queues: the city-wide placement events and the restricted identity route. Each
message is applied in one transaction with its inbox record (so a redelivery changes nothing),
and the certificate it completes is issued in that same transaction. ``CertificateIssued`` and
``CertificateRevoked`` leave through the outbox relay; the publishers declared here describe
them for the AsyncAPI document.

``create_broker(url)`` alone is enough for the document; the running service
(:mod:`certificates.bootstrap`) also passes the :class:`Consumers` that the handlers reach
through FastStream's context.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from faststream import Context, ContextRepo
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
from runtime.consumer import DeliveryPolicy, RejectedEvent, subscribe
from runtime.inbox import consume_once
from runtime.tracing import broker_middlewares, span

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

CONSUMERS = "certificates_consumers"  # the key in the broker context (a dot would be a path)

_E = TypeVar("_E", bound=Envelope)
UseCase = Callable[[UnitOfWork, ServiceContext, _E], Awaitable[None]]


class Consumers:
    """Applies consumed events: inbox, use case and commit in one unit of work."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], context: ServiceContext) -> None:
        self._unit_of_work = unit_of_work
        self._context = context

    async def placement_event(self, event: Envelope) -> None:
        await self._apply(CERTIFICATES_PLACEMENT_EVENTS.name, event, handlers.apply_placement_event)

    async def identity(self, event: ParticipantIdentified) -> None:
        await self._apply(CERTIFICATES_IDENTITY.name, event, handlers.apply_identity)

    async def _apply(self, queue: str, event: _E, use_case: UseCase[_E]) -> None:
        async def effect(uow: UnitOfWork) -> None:
            try:
                await use_case(uow, self._context, event)
            except InvalidEvent as error:
                raise RejectedEvent(str(error)) from error  # dead-lettered as invalid, at once

        uow = self._unit_of_work()
        # the events it publishes (CertificateIssued …) are written inside this span
        with span(
            f"handle {event.event_type}", attributes={"messaging.message.id": str(event.event_id)}
        ):
            if await consume_once(lambda: uow, queue, event, effect):
                observe_committed(uow.committed)


# A default, so that a broker built without consumers fails loudly in the handler (and is
# retried) instead of failing FastStream's validation, which would dead-letter good events.
FromContext = Annotated[Consumers | None, Context(CONSUMERS, default=None)]


def _wired(consumers: Consumers | None) -> Consumers:
    if consumers is None:
        raise RuntimeError("this broker was created without consumers (for documents only)")
    return consumers


async def on_placement_event(event: PlacementEvent, consumers: FromContext) -> None:
    """Store a placement event; issue, supersede or revoke the certificate as it decides."""
    await _wired(consumers).placement_event(event)


async def on_participant_identified(event: ParticipantIdentified, consumers: FromContext) -> None:
    """Store the participant's name and personnummer; the certificate needs them."""
    await _wired(consumers).identity(event)


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
        context=ContextRepo({CONSUMERS: consumers} if consumers is not None else {}),
    )
    subscribe(broker, CERTIFICATES_PLACEMENT_EVENTS)(on_placement_event)
    subscribe(broker, CERTIFICATES_IDENTITY)(on_participant_identified)
    document_publishers(broker, CERTIFICATE_EVENTS)
    return broker
