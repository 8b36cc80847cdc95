"""AsyncAPI helpers: describe what a service publishes, and build the city-wide document.

FastStream writes a valid AsyncAPI 3.0 document, but one that tools read with surprises:
servers are ``Server1``…, messages ``Message``/``SubscribeMessage``, an address parameter such
as ``{producer}`` is not declared, and the correlation id points at a header our messages do
not carry (it is in the body). ``readable`` rewrites those parts; the rest stays FastStream's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from faststream.specification import AsyncAPI

from contracts.events import Envelope
from contracts.topology import exchange_for, routing_key

Document = dict[str, Any]

PARAMETERS: dict[str, Document] = {
    "producer": {
        "description": "The organisation code of the förvaltning that publishes the event; "
        "the same as the event's `producer` field, which consumers check against it.",
        "location": "$message.payload#/producer",
    },
}
"""What each parameter of a channel address means, and where a message carries its value."""

CORRELATION_ID: Document = {
    "description": "Every event of one user action carries the same correlation id, in its "
    "body (not in a header).",
    "location": "$message.payload#/correlation_id",
}


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


def asyncapi_document(brokers: Mapping[str, RabbitBroker], *, version: str) -> Document:
    """The document of the named brokers (a name per service: its server's name)."""
    spec = AsyncAPI(
        *brokers.values(),
        title="City placements event stream",
        version=version,
        description=(
            "Events between the placements, certificates and reporting services. Routing keys "
            "are `<organisation code>.<EventType>`; identity data only on `city.identity`."
        ),
    )
    return readable(spec.to_specification().to_jsonable(), list(brokers))


def readable(document: Document, server_names: list[str]) -> Document:
    """FastStream's document with named servers and messages, declared address parameters,
    and the correlation id where messages carry it."""
    renamed = {**_server_names(document, server_names), **_message_names(document)}
    document = _with_refs(document, renamed)
    for channel in document["channels"].values():
        _declare_parameters(channel)
    for message in document["components"]["messages"].values():
        message.pop("correlationId", None)
        if _carries(document, message["payload"], "correlation_id"):
            message["correlationId"] = CORRELATION_ID
    return document


def _server_names(document: Document, names: list[str]) -> dict[str, str]:
    """FastStream numbers the servers in the order of the brokers (``Server1``…)."""
    generated = list(document["servers"])
    if len(generated) != len(names):
        raise ValueError(f"{len(generated)} servers for {len(names)} names: {names}")
    pairs = list(zip(generated, names, strict=True))
    document["servers"] = {new: document["servers"][old] for old, new in pairs}
    return {f"#/servers/{old}": f"#/servers/{new}" for old, new in pairs}


def _message_names(document: Document) -> dict[str, str]:
    """Each message is named after its payload's schema (the event type); channels that
    carry the same event share one message."""
    components = document["components"]
    renamed = _schema_names(components)
    messages: Document = {}
    for channel_id, channel in document["channels"].items():
        keys: Document = {}
        for key, reference in channel["messages"].items():
            old = _ref_name(reference)
            message = components["messages"][old]
            name = _ref_name(message["payload"], renamed)
            message = {**message, "name": name, "title": name}
            if messages.setdefault(name, message) != message:
                raise ValueError(f"two different messages would be named {name!r}")
            keys[name] = {"$ref": f"#/components/messages/{name}"}
            renamed[f"#/components/messages/{old}"] = f"#/components/messages/{name}"
            renamed[f"#/channels/{channel_id}/messages/{key}"] = (
                f"#/channels/{channel_id}/messages/{name}"
            )
        channel["messages"] = keys
    components["messages"] = messages
    return renamed


def _schema_names(components: Document) -> dict[str, str]:
    """A handler's union payload is named ``On<Handler>:Message:Payload``; it becomes
    ``<Handler>`` (``OnPlacementEvent`` → ``PlacementEvent``)."""
    renamed = {}
    for old in [name for name in components["schemas"] if ":" in name]:
        new = old.split(":")[0].removeprefix("On")
        components["schemas"][new] = {**components["schemas"].pop(old), "title": new}
        renamed[f"#/components/schemas/{old}"] = f"#/components/schemas/{new}"
    return renamed


def _ref_name(reference: Document, renamed: Mapping[str, str] | None = None) -> str:
    target = str(reference["$ref"])
    return (renamed or {}).get(target, target).rsplit("/", 1)[-1]


def _with_refs(node: Any, renamed: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"] in renamed:
            return {**node, "$ref": renamed[node["$ref"]]}
        return {key: _with_refs(value, renamed) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_refs(item, renamed) for item in node]
    return node


def _declare_parameters(channel: Document) -> None:
    names = re.findall(r"\{([^}]+)\}", channel.get("address") or "")
    if names:
        channel["parameters"] = {name: PARAMETERS[name] for name in names}


def _carries(document: Document, schema: Document, field: str) -> bool:
    """Whether every message of this payload schema has ``field`` (through ``$ref`` and
    ``oneOf``/``anyOf``)."""
    if "$ref" in schema:
        return _carries(document, document["components"]["schemas"][_ref_name(schema)], field)
    variants = schema.get("oneOf") or schema.get("anyOf")
    if variants:
        return all(_carries(document, variant, field) for variant in variants)
    return field in schema.get("required", ())
