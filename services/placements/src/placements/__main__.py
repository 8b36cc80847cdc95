"""Run the placements service: ``python -m placements``.

So far this is the outbox relay (the HTTP API for the förvaltningar comes with its own issue).
"""

from __future__ import annotations

from contracts.topology import CITY_TOPOLOGY
from placements.settings import PlacementsSettings
from runtime.amqp import AmqpPublisher, declare
from runtime.lifecycle import run_service
from runtime.logging import configure_logging, get_logger
from runtime.outbox import OutboxRelay
from runtime.postgres import create_pool, ensure_database, migrate, runtime_migrations


async def main() -> None:
    settings = PlacementsSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    log = get_logger("placements")
    database_url = settings.database_url.get_secret_value()
    amqp_url = settings.amqp_url.get_secret_value()

    await ensure_database(database_url)
    pool = await create_pool(database_url)
    await migrate(pool, [runtime_migrations("outbox")])
    await declare(amqp_url, CITY_TOPOLOGY)
    publisher = AmqpPublisher(amqp_url)
    await publisher.connect()
    log.info("outbox relay started")
    try:
        await OutboxRelay(
            pool, publisher, poll_interval=settings.outbox_poll_seconds, listen_dsn=database_url
        ).run()
    finally:
        await publisher.close()
        await pool.close()


if __name__ == "__main__":
    run_service(main)
