"""The broker's side: queue figures, and dead letters to list, show, replay or purge."""

from __future__ import annotations

from typing import Annotated

import typer

from contracts.topology import CITY_TOPOLOGY
from ops.broker import Broker
from ops.console import age, run, table
from ops.settings import OpsSettings

dead_letters = typer.Typer(help="List, show, replay or purge dead letters.", no_args_is_help=True)

Queue = Annotated[
    str, typer.Argument(help="A dead-letter queue, e.g. certificates.identity.dead-letter")
]


def broker() -> Broker:
    settings = OpsSettings()
    return Broker(
        settings.amqp_url.get_secret_value(),
        settings.management_url,
        (settings.management_user, settings.management_password.get_secret_value()),
    )


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
