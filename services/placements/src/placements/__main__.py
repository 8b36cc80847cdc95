"""Run the placements service: ``python -m placements`` (HTTP API and outbox relay)."""

from placements.bootstrap import bootstrap
from runtime.lifecycle import run

if __name__ == "__main__":
    run(bootstrap)
