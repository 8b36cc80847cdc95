"""The certificates service's state, through ``certificates.operations``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from certificates import operations as certificates_operations
from ops.console import JSON_HELP, age, print_json, run, table
from ops.settings import OpsSettings

certificates = typer.Typer(
    help="The certificates service's state and the issuer's signing keys.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
RING_HELP = "The key ring file (CERTIFICATES_KEY_RING_FILE), outside the repository."


@certificates.command("waiting")
def certificates_waiting(
    organisation: Annotated[
        str | None, typer.Option(help="Only this förvaltning's (organisation code).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, longest waiting first.")] = 50,
    as_json: Json = False,
) -> None:
    """Ended placements whose certificate waits for missing events, with how long and what
    is missing."""
    database_url = OpsSettings().certificates_database_url.get_secret_value()
    summary, items = run(
        certificates_operations.waiting(database_url, organisation=organisation, limit=limit)
    )
    if as_json:
        print_json({"summary": summary, "waiting": items})
        return
    typer.echo(f"waiting   {summary.count}")
    typer.echo(f"oldest    {age(summary.oldest_age_seconds)}")
    if items:
        typer.echo("")
        rows = [
            [str(w.placement_id), w.organisation, age(w.age_seconds), w.reason[:60]] for w in items
        ]
        typer.echo(table(["placement", "förvaltning", "waiting", "what is missing"], rows))


def _show_ring(ring: certificates_operations.KeyRing) -> None:
    rows = [
        [
            k.id + (" (current)" if k.id == ring.current else ""),
            k.public[:16] + "…",
            k.retired_at.isoformat() if k.retired_at else "",
            k.compromised_from.isoformat() if k.compromised_from else "",
        ]
        for k in ring.keys
    ]
    typer.echo(table(["key", "public", "retired", "compromised from"], rows))


@certificates.command("rotate-key")
def certificates_rotate_key(
    ring: Annotated[Path, typer.Option(help=RING_HELP)],
    new_key_file: Annotated[Path, typer.Option(help="Where to write the new private key.")],
    current_key_file: Annotated[
        Path | None, typer.Option(help="The current key's file, to start a ring (first time).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Make a new signing key current; the old one retires and still verifies what it signed.
    Then point CERTIFICATES_SIGNING_KEY_FILE at the new file and restart the service."""
    result = certificates_operations.rotate_key(
        ring, new_key_file, current_key_file=current_key_file
    )
    if as_json:
        print_json({"ring": result, "signing_key_file": str(new_key_file)})
        return
    _show_ring(result)
    typer.echo(f"\nset CERTIFICATES_SIGNING_KEY_FILE={new_key_file} and restart")


@certificates.command("compromise-key")
def certificates_compromise_key(
    ring: Annotated[Path, typer.Option(help=RING_HELP)],
    key: Annotated[str, typer.Option(help="The key's id, e.g. key-1.")],
    since: Annotated[
        datetime,
        typer.Option(
            help="From when it is distrusted, with its zone.", formats=["%Y-%m-%dT%H:%M:%S%z"]
        ),
    ],
    as_json: Json = False,
) -> None:
    """Distrust a key from a time: what it signed from then on no longer verifies, and it leaves
    the issuer's assertionMethod (re-issue what it signed before, for other verifiers)."""
    result = certificates_operations.compromise_key(ring, key, since)
    if as_json:
        print_json({"ring": result})
        return
    _show_ring(result)
