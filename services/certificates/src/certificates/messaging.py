"""The certificates service's side of the event stream.

Two consumer queues: the city-wide placement events and the restricted identity route. The
messages delivered meanwhile (up to the prefetch) are applied in one transaction with their
inbox records (so a redelivery changes nothing), acknowledged only after that commit, and the
certificate a message completes is issued in that same transaction. ``CertificateIssued`` and
``CertificateRevoked`` leave through the outbox relay.

:func:`create_consumer` consumes the queues (:class:`runtime.queue_consumer.QueueConsumer`,
batches on aiormq's channel: at thousands of events a second FastStream's work per message
cost more than applying it); :func:`create_broker` describes the same queues, and the events
published, for the AsyncAPI document.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any, TypeVar

from faststream.rabbit import RabbitBroker
from pydantic import Field, TypeAdapter

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
from contracts.topology import CERTIFICATES_IDENTITY, CERTIFICATES_PLACEMENT_EVENTS, ConsumerQueue
from runtime.asyncapi import document_publishers
from runtime.consumer import RejectedEvent, subscribe
from runtime.inbox import consume_batch, consume_once
from runtime.queue_consumer import Policy, QueueConsumer, Received, Route
from runtime.tracing import span

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
PLACEMENT_EVENT: TypeAdapter[Envelope] = TypeAdapter(PlacementEvent)


class Consumers:
    """Applies consumed events in batches: the inbox records, the use cases and the commit of
    every event of a batch in one unit of work (one by one if the batch fails)."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        context: ServiceContext,
        *,
        batch_unit_of_work: Callable[[Sequence[Envelope]], UnitOfWork] | None = None,
    ) -> None:
        """``batch_unit_of_work``: one for a batch of events, which it may prepare for (by
        default the ``unit_of_work``)."""
        self._unit_of_work = unit_of_work
        self._batch_unit_of_work = batch_unit_of_work or (lambda _: unit_of_work())
        self._context = context

    def routes(self) -> list[Route[Any]]:
        """The queues, how their messages become events, and the use case for each."""
        return [
            self._route(
                CERTIFICATES_PLACEMENT_EVENTS,
                PLACEMENT_EVENT.validate_python,
                handlers.apply_placement_event,
            ),
            self._route(
                CERTIFICATES_IDENTITY,
                ParticipantIdentified.model_validate,
                handlers.apply_identity,
            ),
        ]

    async def placement_event(self, event: Envelope) -> bool:
        """Apply one placement event on its own; False for a duplicate."""
        return await self._apply_one(
            CERTIFICATES_PLACEMENT_EVENTS.name,
            handlers.apply_placement_event,
            Received(event, {}),
        )

    async def identity(self, event: ParticipantIdentified) -> bool:
        """Apply one identity on its own; False for a duplicate."""
        return await self._apply_one(
            CERTIFICATES_IDENTITY.name, handlers.apply_identity, Received(event, {})
        )

    def _route(
        self, queue: ConsumerQueue, parse: Callable[[Any], _E], use_case: UseCase[_E]
    ) -> Route[_E]:
        return Route(
            queue,
            parse,
            partial(self._apply_batch, queue.name, use_case),
            partial(self._apply_one, queue.name, use_case),
        )

    async def _apply_batch(
        self, queue: str, use_case: UseCase[_E], received: Sequence[Received[_E]]
    ) -> None:
        if len(received) == 1:  # a quiet time: the lighter way
            await self._apply_one(queue, use_case, received[0])
            return
        # Placements are locked in one order (each placement's events keep theirs), so two
        # batches never wait for each other's locks the other way round.
        events = sorted((r.event for r in received), key=lambda e: e.placement_id)
        uow = self._batch_unit_of_work(events)
        with span(f"handle {queue} batch"):  # inside the consumer's span of the batch
            await consume_batch(
                lambda: uow, queue, [(e, self._effect(use_case, e)) for e in events]
            )
        observe_committed(uow.committed)

    async def _apply_one(self, queue: str, use_case: UseCase[_E], received: Received[_E]) -> bool:
        uow = self._unit_of_work()
        event = received.event
        # inside the consumer's span of its message; what it publishes (CertificateIssued …)
        # is written inside this one
        with span(
            f"handle {event.event_type}", attributes={"messaging.message.id": str(event.event_id)}
        ):
            applied = await consume_once(lambda: uow, queue, event, self._effect(use_case, event))
        if applied:
            observe_committed(uow.committed)
        return applied

    def _effect(self, use_case: UseCase[_E], event: _E) -> Callable[[UnitOfWork], Awaitable[None]]:
        async def effect(uow: UnitOfWork) -> None:
            try:
                await use_case(uow, self._context, event)
            except InvalidEvent as error:
                raise RejectedEvent(str(error)) from error  # dead-lettered as invalid, at once

        return effect


def create_consumer(
    amqp_url: str, consumers: Consumers, policy: Policy | None = None
) -> QueueConsumer:
    """The running consumer of both queues."""
    return QueueConsumer(amqp_url, consumers.routes(), policy or Policy())


async def on_placement_event(event: PlacementEvent) -> None:  # pragma: no cover
    """Store a placement event; issue, supersede or revoke the certificate as it decides."""
    raise NotImplementedError("documentation only: create_consumer consumes the queue")


async def on_participant_identified(event: ParticipantIdentified) -> None:  # pragma: no cover
    """Store the participant's name and personnummer; the certificate needs them."""
    raise NotImplementedError("documentation only: create_consumer consumes the queue")


def create_broker(amqp_url: str) -> RabbitBroker:
    """The queues and events as FastStream describes them, for the AsyncAPI document only:
    the service consumes them with :func:`create_consumer`. Nothing here connects."""
    broker = RabbitBroker(
        amqp_url,
        log_level=logging.DEBUG,
        description="Certificates: the competence record and the kompetensintyg.",
    )
    subscribe(broker, CERTIFICATES_PLACEMENT_EVENTS)(on_placement_event)
    subscribe(broker, CERTIFICATES_IDENTITY)(on_participant_identified)
    document_publishers(broker, CERTIFICATE_EVENTS)
    return broker
