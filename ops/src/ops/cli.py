"""city-ops: the operator's command line. ``city-ops --help`` lists the commands; every
command has its own ``--help``. Settings come from ``OPS_…`` environment variables."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from certificates import operations as certificates_operations
from contracts.topology import CITY_TOPOLOGY, REPORTING_CITY_STREAM
from ops.broker import Broker
from ops.settings import OpsSettings
from placements import operations as placements_operations
from reporting import operations as reporting_operations
from reporting.service.rebuild import RebuildResult
from reporting.settings import ReportingSettings
from runtime.logging import configure_logging

T = TypeVar("T")

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
dead_letters = typer.Typer(help="List, show, replay or purge dead letters.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")
certificates = typer.Typer(help="The certificates service's state.", no_args_is_help=True)
app.add_typer(certificates, name="certificates")
reporting = typer.Typer(
    help="The reporting projection: status, unusable events, rebuild.", no_args_is_help=True
)
app.add_typer(reporting, name="reporting")

Queue = Annotated[
    str, typer.Argument(help="A dead-letter queue, e.g. certificates.identity.dead-letter")
]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; bad input (a queue that is not a dead-letter queue …) is a message."""
    try:
        return asyncio.run(coroutine)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def broker() -> Broker:
    settings = OpsSettings()
    return Broker(
        settings.amqp_url.get_secret_value(),
        settings.management_url,
        (settings.management_user, settings.management_password.get_secret_value()),
    )


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


@app.command()
def queues() -> None:
    """Depth, consumers, unacknowledged and dead-lettered counts, and the oldest dead
    letter's age, for every queue of the city topology."""
    figures = run(broker().queues(CITY_TOPOLOGY))
    rows = [
        [
            f.name,
            f.kind,
            str(f.ready),
            "?" if f.unacknowledged is None else str(f.unacknowledged),
            str(f.consumers),
            "—" if f.dead_lettered is None else str(f.dead_lettered),
            age(f.oldest_dead_letter_age),
        ]
        for f in figures
    ]
    typer.echo(
        table(
            ["queue", "type", "ready", "unacked", "consumers", "dead letters", "oldest dead"], rows
        )
    )


@dead_letters.command("list")
def list_dead_letters(
    queue: Queue,
    limit: Annotated[int, typer.Option(help="How many, from the oldest.")] = 50,
) -> None:
    """The dead letters of a queue, oldest first, with their reasons (nothing is removed)."""
    letters = run(broker().dead_letters(queue, limit))
    if not letters:
        typer.echo(f"{queue} is empty")
        return
    rows = [
        [d.message_id, d.event_type, d.reason, age(d.age_seconds), d.error[:70]] for d in letters
    ]
    typer.echo(table(["message id", "type", "reason", "age", "error"], rows))


@dead_letters.command("show")
def show_dead_letter(queue: Queue, message_id: str) -> None:
    """One dead letter in full: its headers and body."""
    for letter in run(broker().dead_letters(queue, limit=10_000)):
        if letter.message_id == message_id:
            typer.echo(f"message id      {letter.message_id}")
            typer.echo(f"type            {letter.event_type}")
            typer.echo(f"reason          {letter.reason}")
            typer.echo(f"error           {letter.error}")
            typer.echo(f"failed queue    {letter.failed_queue}")
            typer.echo(f"routing key     {letter.original_routing_key}")
            typer.echo(f"dead-lettered   {letter.dead_lettered_at}")
            typer.echo(letter.pretty_body())
            return
    typer.echo(f"no message {message_id!r} in {queue}", err=True)
    raise typer.Exit(1)


@dead_letters.command("replay")
def replay_dead_letters(
    queue: Queue,
    message_id: Annotated[
        list[str] | None, typer.Option("--id", help="Replay only these (repeatable).")
    ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every message.")] = False,
) -> None:
    """Send dead letters back to the queue they failed in, once their cause is fixed."""
    if not replay_all and not message_id:
        typer.echo("say which: --id MESSAGE_ID (repeatable) or --all", err=True)
        raise typer.Exit(2)
    count = run(broker().replay(queue, None if replay_all else set(message_id or [])))
    typer.echo(f"replayed {count} message(s) from {queue}")


@dead_letters.command("purge")
def purge_dead_letters(
    queue: Queue,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every dead letter of a queue, for good. Asks first."""
    letters = run(broker().dead_letters(queue, limit=10_000))
    if not yes:
        typer.confirm(f"Delete all {len(letters)} dead letter(s) in {queue} for good?", abort=True)
    typer.echo(f"purged {run(broker().purge(queue))} message(s) from {queue}")


@app.command()
def outbox() -> None:
    """The placements outbox: rows not yet confirmed by the broker, the oldest one's age, and
    rows whose publishing failed, with the error."""
    status = run(
        placements_operations.outbox(OpsSettings().placements_database_url.get_secret_value())
    )
    typer.echo(f"unpublished rows   {status.backlog}")
    typer.echo(f"oldest             {age(status.oldest_age_seconds)}")
    if status.failing:
        typer.echo("")
        rows = [
            [str(r.event_id), r.routing_key, str(r.attempts), r.last_error[:60]]
            for r in status.failing
        ]
        typer.echo(table(["event id", "routing key", "attempts", "last error"], rows))


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


def reporting_database_url() -> str:
    return OpsSettings().reporting_database_url.get_secret_value()


@reporting.command("status")
def reporting_status() -> None:
    """Where the projection is in the city-wide stream, and what it holds."""
    state = run(reporting_operations.status(reporting_database_url()))
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
) -> None:
    """Stream messages the projection could not use, with the reason (recorded and skipped)."""
    events = run(reporting_operations.unusable_events(reporting_database_url(), limit=limit))
    rows = [[str(e.stream_offset), e.reason, e.detail[:70]] for e in events]
    typer.echo(table(["offset", "reason", "detail"], rows) if rows else "none")


@reporting.command("rebuild")
def reporting_rebuild(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
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
    result = run(_rebuild_with_progress(reporting_settings, total))
    typer.echo(
        f"replayed by {result.replayed_by} in {result.seconds:.1f} s: "
        f"{result.status.applied_events} events, {result.status.placements} placements, "
        f"{result.status.unusable_events} unusable"
    )


async def _rebuild_with_progress(settings: ReportingSettings, total: int | None) -> RebuildResult:
    rebuilding = asyncio.create_task(reporting_operations.rebuild(settings))
    with Progress(
        TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        bar = progress.add_task("replay", total=total)
        while not rebuilding.done():
            state = await reporting_operations.status(settings.database_url.get_secret_value())
            progress.update(bar, completed=(state.last_offset or -1) + 1)
            await asyncio.wait([rebuilding], timeout=0.5)
        progress.update(bar, completed=total)
    return rebuilding.result()


@app.callback()
def main() -> None:
    """city-ops: queues, dead letters, the outbox, waiting certificates, reporting rebuilds."""
    configure_logging("city-ops", "WARNING", json=False)


if __name__ == "__main__":
    app()
