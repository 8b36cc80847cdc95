"""Run the placements service: ``python -m placements`` (HTTP API and outbox relay)."""

from __future__ import annotations

from contracts.topology import CITY_TOPOLOGY
from placements.bootstrap import MIGRATIONS, build_api
from placements.settings import PlacementsSettings
from runtime.amqp import PublisherPerProducer, declare
from runtime.http.operations import database_check
from runtime.lifecycle import outbox_relay, run_service, serve_http, service_database
from runtime.logging import configure_logging
from runtime.outbox import monitor_outbox


async def main() -> None:
    settings = PlacementsSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    amqp_url = settings.amqp_url.get_secret_value()
    publisher = PublisherPerProducer(
        amqp_url,
        {code: url.get_secret_value() for code, url in settings.organisation_amqp_urls.items()},
    )
    async with service_database(settings, MIGRATIONS) as pool:
        if settings.declare_topology:
            await declare(amqp_url, CITY_TOPOLOGY)
        await publisher.connect()
        try:
            async with outbox_relay(settings, publisher) as relay:
                readiness = {"database": database_check(pool), "broker": publisher.ready}
                await serve_http(
                    build_api(settings, pool, readiness),
                    settings.http_host,
                    settings.http_port,
                    background=[relay.run(), monitor_outbox(pool)],
                )
        finally:
            await publisher.close()


if __name__ == "__main__":
    run_service(main)
