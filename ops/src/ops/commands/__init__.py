"""One module per command group of ``city-ops``; ``ops.cli`` puts them together."""
