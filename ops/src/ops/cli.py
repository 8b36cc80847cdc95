"""city-ops: the operator's command line. ``city-ops --help`` lists the commands; every
command has its own ``--help``. Settings come from ``OPS_…`` environment variables."""

# The commands live in ``ops.commands``, one module per group. The services' state is read
# and changed only through their public operations modules, never their adapters.

from __future__ import annotations

import typer

from ops.commands.broker import dead_letters, queues
from ops.commands.certificates import certificates
from ops.commands.placements import outbox
from ops.commands.reporting import reporting
from ops.commands.retention import erase_expired
from runtime.logging import configure_logging

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
app.command()(queues)
app.command()(outbox)
app.command("erase-expired")(erase_expired)
app.add_typer(dead_letters, name="dead-letters")
app.add_typer(certificates, name="certificates")
app.add_typer(reporting, name="reporting")


@app.callback()
def main() -> None:
    """city-ops: queues, dead letters, the outbox, waiting certificates, reporting rebuilds,
    erasing identity data past the retention period."""
    configure_logging("city-ops", "WARNING", json=False)


if __name__ == "__main__":
    app()
