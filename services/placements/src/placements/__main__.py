"""Run the placements service: ``python -m placements`` (HTTP API and outbox relay)."""

from __future__ import annotations

from contracts.topology import CITY_TOPOLOGY
from placements.bootstrap import MIGRATIONS, build_api
from placements.settings import PlacementsSettings
from runtime.amqp import PublisherPerProducer, declare
from runtime.lifecycle import run_service, serve_http
from runtime.logging import configure_logging
from runtime.operations import database_check
from runtime.outbox import OutboxRelay, monitor_outbox
from runtime.postgres import create_pool, ensure_database, migrate


async def main() -> None:
    settings = PlacementsSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    database_url = settings.database_url.get_secret_value()
    amqp_url = settings.amqp_url.get_secret_value()

    await ensure_database(database_url)
    pool = await create_pool(database_url)
    await migrate(pool, MIGRATIONS)
    await declare(amqp_url, CITY_TOPOLOGY)
    publisher = PublisherPerProducer(
        amqp_url,
        {code: url.get_secret_value() for code, url in settings.organisation_amqp_urls.items()},
    )
    await publisher.connect()
    # The relay has connections of its own, so it never queues behind API requests.
    relay_pool = await create_pool(database_url, min_size=1, max_size=2)
    relay = OutboxRelay(
        relay_pool, publisher, poll_interval=settings.outbox_poll_seconds, listen_dsn=database_url
    )
    try:
        readiness = {"database": database_check(pool), "broker": publisher.ready}
        await serve_http(
            build_api(settings, pool, readiness),
            settings.http_host,
            settings.http_port,
            background=[relay.run(), monitor_outbox(pool)],
        )
    finally:
        await publisher.close()
        await relay_pool.close()
        await pool.close()


if __name__ == "__main__":
    run_service(main)
