"""The placements service's side of the event stream, as FastStream sees it.

The outbox relay publishes with aio-pika (confirms, ``mandatory``); the publishers declared here
describe those channels so the AsyncAPI document shows what this service emits.
"""

from __future__ import annotations

import logging

from faststream.rabbit import RabbitBroker

from contracts.events import IDENTITY_EVENTS, PLACEMENT_EVENTS
from runtime.asyncapi import document_publishers


def create_broker(amqp_url: str) -> RabbitBroker:
    broker = RabbitBroker(
        amqp_url,
        log_level=logging.DEBUG,
        description="Placements: one per förvaltning, or one scoped by credentials.",
    )
    document_publishers(broker, PLACEMENT_EVENTS + IDENTITY_EVENTS)
    return broker
