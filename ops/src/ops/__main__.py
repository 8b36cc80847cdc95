"""``python -m ops`` is ``city-ops``."""

from ops.cli import app

app()
