"""Wire the reporting service: database, reference data, consumer and HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib.resources import files

import asyncpg
from fastapi import FastAPI

from contracts.reference import load_reference_data
from contracts.topology import REPORTING_CITY_STREAM
from reporting.adapters.reference_store import load_files_once
from reporting.api.app import Dependencies, create_app
from reporting.service.consumer import ConsumerConfig, StreamConsumer
from reporting.settings import ReportingSettings
from runtime.http.auth import Clients
from runtime.http.operations import Check, database_check
from runtime.lifecycle import service_database
from runtime.logging import get_logger
from runtime.postgres import MigrationSource

log = get_logger(__name__)

MIGRATIONS = [MigrationSource("reporting", files("reporting") / "migrations")]


def consumer_config(settings: ReportingSettings) -> ConsumerConfig:
    return ConsumerConfig(
        database_url=settings.database_url.get_secret_value(),
        amqp_url=settings.amqp_url.get_secret_value(),
        stream=REPORTING_CITY_STREAM,
        prefetch=max(settings.prefetch_count, settings.batch_size),
        batch_size=settings.batch_size,
        reconnect_seconds=settings.reconnect_seconds,
    )


@asynccontextmanager
async def reporting_database(settings: ReportingSettings) -> AsyncIterator[asyncpg.Pool]:
    """The service's database, created and migrated, with the reference files loaded the
    first time (later changes come through the API)."""
    async with service_database(settings, MIGRATIONS) as pool:
        for loaded in await load_files_once(
            pool, settings.organisations_file, settings.targets_file
        ):
            log.info("reference data loaded", what=loaded)
        yield pool


def build(
    settings: ReportingSettings,
    pool: asyncpg.Pool,
    readiness: Mapping[str, Check] | None = None,
) -> tuple[FastAPI, StreamConsumer]:
    """The HTTP app and the stream consumer (not started); ``/ready`` checks the database and
    the consumer unless other checks are given."""
    reference = load_reference_data()
    consumer = StreamConsumer(consumer_config(settings), reference)
    app = create_app(
        Dependencies(
            pool=pool,
            reference=reference,
            stream=REPORTING_CITY_STREAM.name,
            admins=Clients({"admin": settings.admin_token_hashes}),
            suppression_threshold=settings.suppression_threshold,
            consumer=consumer.state,
            readiness=readiness
            or {"database": database_check(pool), "stream consumer": consumer.ready},
        )
    )
    return app, consumer
