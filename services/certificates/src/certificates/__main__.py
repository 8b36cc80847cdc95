"""Run the certificates service: ``python -m certificates`` (consumers, outbox relay, HTTP)."""

from __future__ import annotations

import asyncio

from faststream.rabbit import RabbitBroker
from faststream.rabbit.subscriber import RabbitSubscriber

from certificates.bootstrap import MIGRATIONS, build_api, build_consumers, build_context
from certificates.messaging import create_broker
from certificates.metrics import monitor_waiting
from certificates.settings import CertificatesSettings
from contracts.topology import CITY_TOPOLOGY
from runtime.amqp import AmqpPublisher, declare
from runtime.http.operations import broker_check, database_check
from runtime.lifecycle import outbox_relay, run_service, serve_http, service_database
from runtime.logging import configure_logging
from runtime.outbox import monitor_outbox
from runtime.watchdog import ConsumerWatchdog


async def consume(broker: RabbitBroker) -> None:
    """Run the consumers until cancelled; stopping leaves unfinished messages to redelivery."""
    await broker.start()
    try:
        await asyncio.Future()
    finally:
        await broker.stop()


async def main() -> None:
    settings = CertificatesSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    context = build_context(settings)  # first: no signing key, no start
    amqp_url = settings.amqp_url.get_secret_value()
    publisher = AmqpPublisher(amqp_url)
    async with service_database(settings, MIGRATIONS) as pool:
        if settings.declare_topology:
            await declare(amqp_url, CITY_TOPOLOGY)
        await publisher.connect()
        broker = create_broker(
            amqp_url,
            build_consumers(pool, context),
            prefetch_count=settings.prefetch_count,
            backoff=settings.retry_backoff_seconds,
            backoff_max=settings.retry_backoff_max_seconds,
        )
        watchdog = ConsumerWatchdog(
            amqp_url,
            [s for s in broker.subscribers if isinstance(s, RabbitSubscriber)],
            connected=lambda: broker.ping(timeout=1.0),
        )
        readiness = {
            "database": database_check(pool),
            "broker": broker_check(broker),
            "outbox publisher": publisher.ready,
            "consumers": watchdog.ready,
        }
        try:
            async with outbox_relay(settings, publisher) as relay:
                await serve_http(
                    build_api(settings, pool, context, readiness),
                    settings.http_host,
                    settings.http_port,
                    background=[
                        relay.run(),
                        consume(broker),
                        watchdog.run(),
                        monitor_outbox(pool),
                        monitor_waiting(pool),
                    ],
                )
        finally:
            await publisher.close()


if __name__ == "__main__":
    run_service(main)
