"""Run the certificates service: ``python -m certificates`` (consumers, outbox relay, HTTP)."""

from certificates.bootstrap import bootstrap
from runtime.lifecycle import run

if __name__ == "__main__":
    run(bootstrap)
