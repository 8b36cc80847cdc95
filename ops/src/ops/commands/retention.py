"""The retention job, run once now: the same as ``python -m <service> erase-expired``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from certificates import operations as certificates_operations
from certificates.settings import CertificatesSettings
from ops.console import JSON_HELP, print_json, run
from ops.settings import OpsSettings
from placements import operations as placements_operations
from placements.settings import PlacementsSettings
from runtime.retention import RetentionRun


class IdentityHolder(StrEnum):
    placements = "placements"
    certificates = "certificates"


def erase_expired(
    service: Annotated[IdentityHolder, typer.Argument(help="The service whose data to erase.")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Erase the identity data of placements past the retention period (the service's
    <SERVICE>_RETENTION_DAYS), once, now. Safe beside the running service: one runner at a
    time; a run that finds another running is skipped and says so."""
    ops = OpsSettings()
    done: RetentionRun | None
    if service is IdentityHolder.placements:
        placements = PlacementsSettings(database_url=ops.placements_database_url)
        done = run(placements_operations.erase_expired(placements))
    else:
        certificates = CertificatesSettings(database_url=ops.certificates_database_url)
        done = run(certificates_operations.erase_expired(certificates))
    if as_json:
        print_json(done or {"skipped": True})
        return
    if done is None:
        typer.echo("skipped: another runner is erasing right now")
        return
    typer.echo(f"ended on or before  {done.ended_on_or_before.isoformat()}")
    for kind, count in done.erased.items():
        typer.echo(f"{kind:<19} {count}")
