"""The broker's side: queue figures, and dead letters to list, show, replay or purge.

Every dead-letter command takes a dead-letter queue's name or the name of the work queue
whose dead letters are meant (``certificates.placement-events``), and acts only on what the
queue held when the command started."""

from __future__ import annotations

from typing import Annotated

import typer

from contracts.topology import CITY_TOPOLOGY
from ops.broker import Broker, DeadLetter, Selection, dead_letter_queue_of
from ops.console import JSON_HELP, age, print_json, run, table
from ops.settings import OpsSettings

dead_letters = typer.Typer(help="List, show, replay or purge dead letters.", no_args_is_help=True)

Queue = Annotated[
    str,
    typer.Argument(
        help="A work queue (certificates.placement-events) or its dead-letter queue "
        "(certificates.placement-events.dead-letter).",
        callback=dead_letter_queue_of,
    ),
]
Json = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
Ids = Annotated[list[str] | None, typer.Option("--id", help="Only these messages (repeatable).")]
Reasons = Annotated[
    list[str] | None,
    typer.Option(
        "--reason",
        help="Only dead letters with this reason (repeatable): malformed, invalid, "
        "producer-mismatch, delivery-limit.",
    ),
]


def broker() -> Broker:
    settings = OpsSettings()
    return Broker(
        settings.amqp_url.get_secret_value(),
        settings.management_url,
        (settings.management_user, settings.management_password.get_secret_value()),
    )


def queues(as_json: Json = False) -> None:
    """Depth, consumers, unacknowledged and dead-lettered counts, and the oldest dead
    letter's age, for every queue of the city topology."""
    figures = run(broker().queues(CITY_TOPOLOGY))
    if as_json:
        print_json(figures)
        return
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
    as_json: Json = False,
) -> None:
    """The dead letters of a queue, oldest first, with their reasons (nothing is removed)."""
    letters = run(broker().dead_letters(queue, limit))
    if as_json:
        print_json({"queue": queue, "dead_letters": [d.as_dict() for d in letters]})
    elif not letters:
        typer.echo(f"{queue} is empty")
    else:
        rows = [
            [d.message_id, d.event_type, d.reason, d.error_type, age(d.age_seconds), d.error[:70]]
            for d in letters
        ]
        typer.echo(table(["message id", "type", "reason", "error type", "age", "error"], rows))


@dead_letters.command("show")
def show_dead_letter(queue: Queue, message_id: str, as_json: Json = False) -> None:
    """One dead letter in full: its headers and body."""
    letter = _find(run(broker().dead_letters(queue, limit=10_000)), message_id)
    if letter is None:
        typer.echo(f"no message {message_id!r} in {queue}", err=True)
        raise typer.Exit(1)
    if as_json:
        print_json(letter.as_dict(full=True))
        return
    for label, value in letter.as_dict().items():
        typer.echo(f"{label.replace('_', ' '):<18}{'' if value is None else value}")
    typer.echo(letter.pretty_body())


def _find(letters: list[DeadLetter], message_id: str) -> DeadLetter | None:
    return next((d for d in letters if d.message_id == message_id), None)


@dead_letters.command("replay")
def replay_dead_letters(
    queue: Queue,
    message_id: Ids = None,
    reason: Reasons = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every message.")] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to watch for replayed messages failing again.")
    ] = 10.0,
    as_json: Json = False,
) -> None:
    """Send the dead letters the queue holds now back to the queue they failed in, each
    once, and report how many failed again within --wait seconds (those are dead letters
    again, and are not replayed a second time)."""
    if not replay_all and not message_id and not reason:
        typer.echo("say which: --id MESSAGE_ID, --reason REASON (repeatable) or --all", err=True)
        raise typer.Exit(2)
    selection = Selection(frozenset(message_id or ()), frozenset(reason or ()))
    report = run(broker().replay(queue, selection, wait))
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(
        f"replayed {len(report.replayed)} message(s) from {queue} "
        f"({report.found} were there); failed again within {wait:g} s: "
        f"{len(report.failed_again)}"
    )


@dead_letters.command("purge")
def purge_dead_letters(
    queue: Queue,
    message_id: Ids = None,
    reason: Reasons = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: Json = False,
) -> None:
    """Delete dead letters for good: all of them, or those with the given ids or reasons.
    Asks first."""
    selection = Selection(frozenset(message_id or ()), frozenset(reason or ()))
    letters = [d for d in run(broker().dead_letters(queue, limit=10_000)) if selection.matches(d)]
    if not yes:
        typer.confirm(f"Delete {len(letters)} dead letter(s) in {queue} for good?", abort=True)
    purged = run(broker().purge(queue, selection))
    if as_json:
        print_json({"queue": queue, "purged": len(purged), "purged_ids": list(purged)})
        return
    typer.echo(f"purged {len(purged)} message(s) from {queue}")
