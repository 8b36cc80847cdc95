"""The composition root: the database (migrated, reference files loaded once), the stream
(declared when the topology is ours to declare), the stream consumer and the HTTP app, started
and stopped together. ``python -m reporting`` runs :func:`bootstrap`; the tests, the benchmark
and the operations use the small wiring functions below it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.resources import files

import aiormq
import asyncpg
from fastapi import FastAPI

from contracts.calendar import city_today
from contracts.reference import ReferenceData, load_reference_data
from contracts.topology import REPORTING_CITY_STREAM
from reporting.adapters.projection_store import empty_if_outdated
from reporting.adapters.reference_store import RegisterMissing, load_files_once
from reporting.adapters.stream import declare_stream
from reporting.adapters.unit_of_work import PostgresReferenceUnitOfWork, PostgresSnapshot
from reporting.api import operators, reference, report
from reporting.domain.projection import PROJECTION_VERSION
from reporting.service.reference import ReferenceConflict
from reporting.settings import ReportingSettings
from reporting.stream.consumer import ConsumerConfig, StreamConsumer
from runtime.http.app import service_app
from runtime.http.auth import ADMIN, ANALYST, Clients, access_tokens, static_clients
from runtime.http.browser_sign_in import install_browser_sign_in
from runtime.http.operations import Check, database_check
from runtime.lifecycle import Service, service_database
from runtime.logging import configure_logging, get_logger
from runtime.postgres import MigrationSource
from runtime.tracing import configure_tracing

log = get_logger(__name__)

MIGRATIONS = [MigrationSource("reporting", files("reporting") / "migrations")]

DESCRIPTION = (
    "City-wide follow-up of labour-market placements against the fördelningsmodell, "
    "from the city-wide event stream. Any period: a year, the delår (January–August), "
    "a tertial, a month or custom dates, for the city, a committee, a förvaltning or a "
    "workplace. The JSON report, the dashboard and the CSV and XLSX exports suppress small "
    "cells alike: a count from 1 to threshold − 1 is the string '<threshold', a count that "
    "would reveal one, or a figure derived from a withheld count, is '..' (`Withheld`). "
    "No personal data is kept."
)


@asynccontextmanager
async def bootstrap(settings: ReportingSettings | None = None) -> AsyncIterator[Service]:
    """The whole service; the stream consumer runs beside the HTTP server."""
    settings = settings or ReportingSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    configure_tracing(settings.service_name)
    if settings.suppression_threshold == 1:  # allowed for closed test setups: never silently
        log.warning("small-cell suppression is off", detail="REPORTING_SUPPRESSION_THRESHOLD=1")
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(reporting_database(settings))
        if settings.declare_topology:
            await declare_when_possible(settings)
        app, consumer = build(settings, pool)

        async def consume() -> None:
            await consumer.run()

        yield Service(app, settings.http_host, settings.http_port, background=[consume])


@asynccontextmanager
async def reporting_database(settings: ReportingSettings) -> AsyncIterator[asyncpg.Pool]:
    """The service's database, created and migrated, with the reference files loaded the
    first time (later changes come through the API), and the projection emptied for a replay
    if another version of the fold built it."""
    async with service_database(settings, MIGRATIONS) as pool:
        async with pool.acquire() as conn:
            outdated = await empty_if_outdated(conn, PROJECTION_VERSION)
        if outdated is not None:
            log.warning(
                "projection built by another version: emptied, the stream replays from the "
                "first offset",
                stored_version=outdated,
                version=PROJECTION_VERSION,
            )
        for loaded in await load_files_once(
            pool, settings.organisations_file, settings.targets_file
        ):
            log.info("reference data loaded", what=loaded)
        yield pool


async def declare_when_possible(settings: ReportingSettings) -> None:
    """The stream binds to ``city.events``, which the publishers declare: wait for it."""
    while True:
        try:
            await declare_stream(settings.amqp_url.get_secret_value(), REPORTING_CITY_STREAM)
            return
        except aiormq.exceptions.ChannelNotFoundEntity as error:
            log.warning("exchange not there yet; retrying", error=str(error))
            await asyncio.sleep(settings.reconnect_seconds)


def consumer_config(settings: ReportingSettings) -> ConsumerConfig:
    return ConsumerConfig(
        database_url=settings.database_url.get_secret_value(),
        amqp_url=settings.amqp_url.get_secret_value(),
        stream=REPORTING_CITY_STREAM,
        prefetch=max(settings.prefetch_count, 2 * settings.batch_size),
        batch_size=settings.batch_size,
        reconnect_seconds=settings.reconnect_seconds,
    )


def build(
    settings: ReportingSettings,
    pool: asyncpg.Pool,
    readiness: Mapping[str, Check] | None = None,
) -> tuple[FastAPI, StreamConsumer]:
    """The HTTP app and the stream consumer (not started); ``/ready`` checks the database and
    the consumer unless other checks are given."""
    reference_data = load_reference_data()
    consumer = StreamConsumer(consumer_config(settings), reference_data)
    checks = readiness or {"database": database_check(pool), "stream consumer": consumer.ready}
    return build_app(settings, pool, reference_data, consumer, checks), consumer


def build_app(
    settings: ReportingSettings,
    pool: asyncpg.Pool,
    reference_data: ReferenceData,
    consumer: StreamConsumer,
    readiness: Mapping[str, Check],
) -> FastAPI:
    app = service_app(
        title="Reporting API (ASF)",
        description=DESCRIPTION,
        routers=[report.router, reference.router, operators.router],
        clients=static_clients(
            settings,
            {
                ADMIN: Clients.role(ADMIN, settings.admin_token_hashes),
                ANALYST: Clients.role(ANALYST, settings.analyst_token_hashes),
            },
        ),
        access_tokens=access_tokens(settings),
        readiness=readiness,
        errors={ReferenceConflict: 409, RegisterMissing: 503},
        snapshot=lambda: PostgresSnapshot(pool.acquire),
        reference_change=lambda: PostgresReferenceUnitOfWork(pool.acquire),
        reference=reference_data,
        stream=REPORTING_CITY_STREAM.name,
        consumer=consumer.state,
        suppression_threshold=settings.suppression_threshold,
        today=city_today,
    )
    install_browser_sign_in(app, settings)
    return app
