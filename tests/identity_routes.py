"""Which routes of an OpenAPI document hand out a participant's identity: a response whose
schema (followed through every ``$ref``) has a person's name or personnummer, or a PDF (the
certificate and the register extract print the name). The access-log tests call every one of
them, so a new route that returns identity data and forgets to log fails them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

IDENTITY_FIELDS = frozenset({"personnummer", "given_name", "family_name"})
PERSON_SCHEMAS = frozenset({"VerificationOut"})
"""Schemas whose plain ``name`` is the participant's (the verification page's answer)."""


def identity_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    """``(METHOD, path template)`` of every route whose answer carries identity data."""
    found = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2") and _carries_identity(document, response):
                    found.add((method.upper(), path))
    return found


def _carries_identity(document: dict[str, Any], response: dict[str, Any]) -> bool:
    content = response.get("content", {})
    if "application/pdf" in content:
        return True
    return any(
        _schema_has_identity(document, media.get("schema", {}), set()) for media in content.values()
    )


def _schema_has_identity(document: dict[str, Any], schema: Any, seen: set[str]) -> bool:
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        return name in PERSON_SCHEMAS or _schema_has_identity(
            document, document["components"]["schemas"][name], seen
        )
    if IDENTITY_FIELDS & set(schema.get("properties", {})):
        return True
    return any(_schema_has_identity(document, s, seen) for s in _children(schema))


def _children(schema: dict[str, Any]) -> Iterator[Any]:
    yield from schema.get("properties", {}).values()
    for key in ("items", "additionalProperties"):
        if key in schema:
            yield schema[key]
    for key in ("anyOf", "oneOf", "allOf"):
        yield from schema.get(key, [])
