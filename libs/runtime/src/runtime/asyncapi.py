"""AsyncAPI helpers: describe what a service publishes, and build the city-wide document."""

from __future__ import annotations

from typing import Any

from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from faststream.specification import AsyncAPI

from contracts.events import Envelope
from contracts.topology import exchange_for, routing_key


def document_publishers(broker: RabbitBroker, events: tuple[type[Envelope], ...]) -> None:
    """Declare one publisher per event (``<producer>.<EventType>``) for the AsyncAPI document."""
    for event in events:
        broker.publisher(
            exchange=RabbitExchange(exchange_for(event), type=ExchangeType.TOPIC, declare=False),
            routing_key=routing_key("{producer}", event),
            schema=event,
            title=f"{exchange_for(event)}:{event.type_name()}",
            description=(event.__doc__ or event.type_name()).strip(),
            persist=True,
        )


def asyncapi_document(brokers: list[RabbitBroker], *, version: str) -> dict[str, Any]:
    spec = AsyncAPI(
        *brokers,
        title="City placements event stream",
        version=version,
        description=(
            "Events between the placements, certificates and reporting services. Routing keys "
            "are `<organisation code>.<EventType>`; identity data only on `city.identity`."
        ),
    )
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document
