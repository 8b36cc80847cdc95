"""The certificates service's state, through ``certificates.operations``."""

from __future__ import annotations

from typing import Annotated

import typer

from certificates import operations as certificates_operations
from ops.console import age, run, table
from ops.settings import OpsSettings

certificates = typer.Typer(help="The certificates service's state.", no_args_is_help=True)


@certificates.command("waiting")
def certificates_waiting(
    organisation: Annotated[
        str | None, typer.Option(help="Only this förvaltning's (organisation code).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, longest waiting first.")] = 50,
) -> None:
    """Ended placements whose certificate waits for missing events, with how long and what
    is missing."""
    database_url = OpsSettings().certificates_database_url.get_secret_value()
    summary, items = run(
        certificates_operations.waiting(database_url, organisation=organisation, limit=limit)
    )
    typer.echo(f"waiting   {summary.count}")
    typer.echo(f"oldest    {age(summary.oldest_age_seconds)}")
    if items:
        typer.echo("")
        rows = [
            [str(w.placement_id), w.organisation, age(w.age_seconds), w.reason[:60]] for w in items
        ]
        typer.echo(table(["placement", "förvaltning", "waiting", "what is missing"], rows))
