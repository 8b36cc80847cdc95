"""The placements service's outbox, through ``placements.operations``."""

from __future__ import annotations

from typing import Annotated

import typer

from ops.console import JSON_HELP, age, print_json, run, table
from ops.settings import OpsSettings
from placements import operations as placements_operations


def outbox(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    """The placements outbox: rows not yet confirmed by the broker, the oldest one's age, and
    rows whose publishing failed, with the error."""
    status = run(
        placements_operations.outbox(OpsSettings().placements_database_url.get_secret_value())
    )
    if as_json:
        print_json(status)
        return
    typer.echo(f"unpublished rows   {status.backlog}")
    typer.echo(f"oldest             {age(status.oldest_age_seconds)}")
    if status.failing:
        typer.echo("")
        rows = [
            [str(r.event_id), r.routing_key, str(r.attempts), r.last_error[:60]]
            for r in status.failing
        ]
        typer.echo(table(["event id", "routing key", "attempts", "last error"], rows))
