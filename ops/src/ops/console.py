"""How every command talks to the operator: running its work, and plain-text figures."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Coroutine
from datetime import date, time
from typing import Any, TypeVar

import typer

T = TypeVar("T")

JSON_HELP = "Print JSON (one document) instead of text."


def print_json(document: Any) -> None:
    """What ``--json`` prints: one document; dataclasses become objects, and values JSON has
    no type for (times, ids, bytes) become text."""
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=_plain))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, date | time):
        return value.isoformat()  # datetime is a date: ISO 8601 with its zone
    return str(value)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; bad input (a queue that is not a dead-letter queue …) is a message."""
    try:
        return asyncio.run(coroutine)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
