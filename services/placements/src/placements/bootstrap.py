"""The placements service's composition root: everything is built, started and stopped here.

:func:`bootstrap` owns the process's resources (database, broker topology, a publisher per
producer, the outbox relay, the outbox monitor, the app); :func:`build_app` is the pure wiring
of the HTTP app, which the tests use on a pool of their own."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime
from importlib.resources import files

import asyncpg
from fastapi import FastAPI

from contracts.calendar import city_today
from contracts.reference import load_reference_data
from contracts.topology import CITY_TOPOLOGY
from placements.adapters.certificates import HttpCertificateDirectory, HttpCertificatesRegister
from placements.adapters.unit_of_work import PlacementsUnitOfWork
from placements.api import imports, routes
from placements.domain.plausibility import Plausibility
from placements.service.handlers import Context
from placements.service.retention import erase_expired
from placements.settings import PlacementsSettings
from placements.web import routes as web
from runtime import access_log_store, retention
from runtime.amqp import PublisherPerProducer, declare
from runtime.http import access_log as access_log_api
from runtime.http.app import service_app
from runtime.http.auth import ADMIN, FORVALTNING, Clients, access_tokens, static_clients
from runtime.http.browser_sign_in import install_browser_sign_in
from runtime.http.operations import Check, database_check
from runtime.lifecycle import Service, outbox_relay, service_database
from runtime.logging import configure_logging
from runtime.outbox import monitor_outbox
from runtime.postgres import MigrationSource, runtime_migrations
from runtime.retention import RetentionJob
from runtime.tracing import configure_tracing

MIGRATIONS = [
    runtime_migrations("outbox"),
    access_log_store.MIGRATIONS,
    retention.MIGRATIONS,
    MigrationSource("placements", files("placements") / "migrations"),
]


class MissingSecret(RuntimeError):
    pass


@asynccontextmanager
async def bootstrap(settings: PlacementsSettings | None = None) -> AsyncIterator[Service]:
    """The HTTP API with the outbox relay and monitor beside it; torn down in reverse order."""
    settings = settings or PlacementsSettings()
    pseudonym_key(settings)  # refuse to start without it, before connecting to anything
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    configure_tracing(settings.service_name)
    amqp_url = settings.amqp_url.get_secret_value()
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(service_database(settings, MIGRATIONS))
        if settings.declare_topology:
            await declare(amqp_url, CITY_TOPOLOGY)
        publisher = PublisherPerProducer(
            amqp_url,
            {code: url.get_secret_value() for code, url in settings.organisation_amqp_urls.items()},
        )
        stack.push_async_callback(publisher.close)
        await publisher.connect()
        relay = await stack.enter_async_context(outbox_relay(settings, publisher))
        app = build_app(
            settings, pool, {"database": database_check(pool), "broker": publisher.ready}
        )
        retention = retention_job(settings, pool)
        yield Service(
            app,
            settings.http_host,
            settings.http_port,
            background=[
                relay.run,
                functools.partial(monitor_outbox, pool),
                functools.partial(retention.run_every, settings.retention_interval_seconds),
            ],
        )


def retention_job(
    settings: PlacementsSettings, pool: asyncpg.Pool, today: Callable[[], date] = city_today
) -> RetentionJob:
    """Erases the identity of placements past the retention period (once at a time)."""
    return RetentionJob(
        pool,
        lambda cutoff: erase_expired(lambda: PlacementsUnitOfWork(pool), today(), cutoff),
        settings.retention_days,
        today=today,
        now=lambda: datetime.now(UTC),
    )


def build_app(
    settings: PlacementsSettings,
    pool: asyncpg.Pool,
    readiness: Mapping[str, Check] | None = None,
    *,
    today: Callable[[], date] = city_today,
) -> FastAPI:
    """The HTTP API on ``pool``; ready when the database answers, unless told otherwise.
    ``today`` is the clock of the plausibility rules (tests pin it)."""
    app = service_app(
        title=routes.TITLE,
        description=routes.DESCRIPTION,
        routers=[
            routes.router,
            routes.participants,
            access_log_api.router,
            imports.router,
            web.router,
        ],
        clients=static_clients(
            settings,
            {FORVALTNING: Clients(settings.clients), ADMIN: Clients.role(ADMIN, settings.admins)},
        ),
        access_tokens=access_tokens(settings),
        readiness=readiness or {"database": database_check(pool)},
        errors=routes.ERRORS,
        unit_of_work=lambda: PlacementsUnitOfWork(pool),
        read_access_log=functools.partial(access_log_store.read_access_log, pool),
        context=Context(
            reference=load_reference_data(),
            pseudonym_key=pseudonym_key(settings),
            today=today,
            rules=plausibility(settings),
            certificates=certificates_register(settings),
        ),
        certificates=HttpCertificateDirectory(
            settings.certificates_url,
            {org: token.get_secret_value() for org, token in settings.certificates_tokens.items()},
        ),
    )
    install_browser_sign_in(app, settings)
    return app


def certificates_register(settings: PlacementsSettings) -> HttpCertificatesRegister | None:
    if settings.certificates_url is None or settings.certificates_token is None:
        return None
    return HttpCertificatesRegister(
        settings.certificates_url, settings.certificates_token.get_secret_value()
    )


def plausibility(settings: PlacementsSettings) -> Plausibility:
    return Plausibility(
        start_years_back=settings.start_years_back,
        start_months_ahead=settings.start_months_ahead,
        assessment_grace_days=settings.assessment_grace_days,
        min_age=settings.min_age,
        max_age=settings.max_age,
    )


def pseudonym_key(settings: PlacementsSettings) -> bytes:
    if settings.pseudonym_key is None:
        raise MissingSecret(
            "PLACEMENTS_PSEUDONYM_KEY is not set: the city-wide pseudonym key is required"
        )
    return settings.pseudonym_key.get_secret_value().encode()
