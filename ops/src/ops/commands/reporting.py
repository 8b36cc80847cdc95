"""The reporting projection, through ``reporting.operations``: status, unusable events,
rebuild."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from contracts.topology import REPORTING_CITY_STREAM
from ops.commands.broker import broker
from ops.console import JSON_HELP, print_json, run, table
from ops.settings import OpsSettings
from reporting import operations as reporting_operations
from reporting.settings import ReportingSettings

reporting = typer.Typer(
    help="The reporting projection: status, unusable events, rebuild.", no_args_is_help=True
)


Json = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def reporting_database_url() -> str:
    return OpsSettings().reporting_database_url.get_secret_value()


@reporting.command("status")
def reporting_status(as_json: Json = False) -> None:
    """Where the projection is in the city-wide stream, and what it holds."""
    state = run(reporting_operations.status(reporting_database_url()))
    if as_json:
        print_json(state)
        return
    typer.echo(f"stream            {state.stream}")
    typer.echo(f"last offset       {state.last_offset}")
    typer.echo(f"applied events    {state.applied_events}")
    typer.echo(f"placements        {state.placements}")
    typer.echo(f"unusable events   {state.unusable_events}")
    for reason, count in sorted(state.unusable_by_reason.items()):
        typer.echo(f"  {reason:<16}{count}")


@reporting.command("unusable")
def reporting_unusable(
    limit: Annotated[int, typer.Option(help="How many, in stream order.")] = 50,
    as_json: Json = False,
) -> None:
    """Stream messages the projection could not use, with the reason (recorded and skipped)."""
    events = run(reporting_operations.unusable_events(reporting_database_url(), limit=limit))
    if as_json:
        print_json(events)
        return
    rows = [[str(e.stream_offset), e.reason, e.detail[:70]] for e in events]
    typer.echo(table(["offset", "reason", "detail"], rows) if rows else "none")


@reporting.command("rebuild")
def reporting_rebuild(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: Json = False,
) -> None:
    """Empty the projection and replay the city-wide stream from its first offset, with a
    progress bar. Reference data (register, targets) stays. Asks first."""
    if not yes:
        typer.confirm("Empty the reporting projection and replay the whole stream?", abort=True)
    settings = OpsSettings()
    total = run(broker().stream_length(REPORTING_CITY_STREAM.name))
    reporting_settings = ReportingSettings(
        amqp_url=settings.amqp_url, database_url=settings.reporting_database_url
    )
    result = run(_rebuild_with_progress(reporting_settings, total, show=not as_json))
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"replayed by {result.replayed_by} in {result.seconds:.1f} s: "
        f"{result.status.applied_events} events, {result.status.placements} placements, "
        f"{result.status.unusable_events} unusable"
    )


async def _rebuild_with_progress(
    settings: ReportingSettings, total: int | None, *, show: bool
) -> reporting_operations.RebuildResult:
    rebuilding = asyncio.create_task(reporting_operations.rebuild(settings))
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show,  # --json prints one document only
    ) as progress:
        bar = progress.add_task("replay", total=total)
        while not rebuilding.done():
            state = await reporting_operations.status(settings.database_url.get_secret_value())
            progress.update(bar, completed=(state.last_offset or -1) + 1)
            await asyncio.wait([rebuilding], timeout=0.5)
        progress.update(bar, completed=total)
    return rebuilding.result()
