"""The certificates service's composition root: signing key, reference data, database, outbox
relay, broker and consumers, PDF worker, watchdog, monitors and the HTTP API, built and torn
down here.

:func:`bootstrap` owns start and stop on one exit stack; the small ``build_*`` functions are
the pure wiring that the tests and the benchmark use to run parts of the service in-process.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from importlib.resources import files
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import FastAPI

from certificates.adapters.render_process import ProcessRenderer
from certificates.adapters.unit_of_work import BatchUnitOfWork, CertificatesUnitOfWork
from certificates.adapters.waiting import monitor_waiting
from certificates.api import forvaltning, participants, public
from certificates.api.errors import ERRORS
from certificates.messaging import Consumers, create_consumer
from certificates.pdf_worker import PdfWorker
from certificates.presentation.emblem import Emblem, plain_emblem
from certificates.presentation.pdf import Letterhead, TypstRenderer
from certificates.service.context import Context, Urls
from certificates.service.ports import Renderer
from certificates.service.retention import erase_expired
from certificates.settings import CertificatesSettings
from certificates.signing.keyring import KeyRing
from certificates.signing.keys import SigningKeyError, load_signing_key
from certificates.signing.multikey import SigningKey
from certificates.signing.seal import Seal, SealError
from certificates.signing.signer import DataIntegritySigner
from contracts.calendar import city_today
from contracts.organisations import load_register
from contracts.reference import load_reference_data
from contracts.topology import CITY_TOPOLOGY
from runtime import access_log_store, retention
from runtime.amqp import AmqpPublisher, declare
from runtime.http import access_log as access_log_api
from runtime.http.app import service_app
from runtime.http.auth import ADMIN, FORVALTNING, OPERATOR, Clients, access_tokens, static_clients
from runtime.http.operations import Check, database_check
from runtime.lifecycle import Service, outbox_relay, service_database
from runtime.logging import configure_logging, get_logger
from runtime.outbox import monitor_outbox
from runtime.postgres import MigrationSource, runtime_migrations
from runtime.queue_consumer import Policy, QueueConsumer
from runtime.retention import RetentionJob
from runtime.tracing import configure_tracing

log = get_logger(__name__)

MIGRATIONS = [
    runtime_migrations("outbox"),
    runtime_migrations("inbox"),
    access_log_store.MIGRATIONS,
    retention.MIGRATIONS,
    MigrationSource("certificates", files("certificates") / "migrations"),
]

DESCRIPTION = (
    "Kompetensintyg: the uniform, verifiable certificate a participant gets when a "
    "labour-market placement ends. The förvaltning that ran the placement downloads "
    "it (PDF/A and an Open Badges 3.0 credential), revokes it, or re-issues it after a "
    "correction, with its own bearer token. Anyone can verify a certificate at the "
    "address printed on it, read the revocation status list and the issuer's key."
)


def build_context(settings: CertificatesSettings, key: SigningKey | None = None) -> Context:
    """Everything the use cases need; refuses to build without a signing key."""
    key = key or load_signing_key(settings)
    reference = load_reference_data()
    urls = Urls(settings.public_base_url)
    return Context(
        reference=reference,
        register=load_register(settings.organisations_file),
        signer=DataIntegritySigner(key, urls.issuer_id, _key_ring(settings)),
        renderer=build_renderer(settings),
        issuer_name=settings.issuer_name,
        issuer_url=settings.issuer_url,
        issuer_email=settings.issuer_email,
        emblem=emblem(settings).data_uri,
        urls=urls,
        timezone=ZoneInfo(settings.timezone),
        language=settings.language,
    )


def build_renderer(settings: CertificatesSettings) -> TypstRenderer:
    """The paper's renderer; module-level, so that a render process can build its own."""
    return TypstRenderer(load_reference_data(), letterhead(settings), load_seal(settings))


def _key_ring(settings: CertificatesSettings) -> KeyRing | None:
    if settings.key_ring_file is None:
        return None
    try:
        return KeyRing.load(settings.key_ring_file)
    except (OSError, ValueError, KeyError) as error:
        message = f"the key ring {settings.key_ring_file} is not usable: {error}"
        raise SigningKeyError(message) from None


def emblem(settings: CertificatesSettings) -> Emblem:
    """The city's emblem from its file, or the demo's plain shield."""
    return Emblem.from_file(settings.emblem_file) if settings.emblem_file else plain_emblem()


def letterhead(settings: CertificatesSettings) -> Letterhead:
    """The emblem, signatory and contact every certificate carries, from the settings."""
    return Letterhead(
        emblem=emblem(settings),
        signatory_name=settings.signatory_name,
        signatory_title=settings.signatory_title,
        contact_email=settings.contact_email,
        contact_phone=settings.contact_phone,
    )


def load_seal(settings: CertificatesSettings) -> Seal:
    """The issuer's seal from its files, or a self-signed one for the demo (said in the log)."""
    key, certificate = settings.seal_key_file, settings.seal_certificate_file
    if key is not None and certificate is not None:
        return Seal.from_files(key, certificate)
    if key is not None or certificate is not None:
        raise SealError("set both CERTIFICATES_SEAL_KEY_FILE and _SEAL_CERTIFICATE_FILE, or none")
    log.warning("seal_demo", detail="PDFs are sealed with a self-signed demo certificate")
    return Seal.demo(settings.issuer_name)


def unit_of_work(pool: asyncpg.Pool) -> Callable[[], CertificatesUnitOfWork]:
    return lambda: CertificatesUnitOfWork(pool)


def build_consumers(pool: asyncpg.Pool, context: Context) -> Consumers:
    return Consumers(unit_of_work(pool), context, batch_unit_of_work=partial(BatchUnitOfWork, pool))


def build_pdf_worker(
    pool: asyncpg.Pool, context: Context, renderer: Renderer | None = None
) -> PdfWorker:
    """``renderer``: instead of the context's (a :class:`ProcessRenderer`, in production)."""
    if renderer is not None:
        context = replace(context, renderer=renderer)
    return PdfWorker(unit_of_work(pool), context)


def render_processes(settings: CertificatesSettings) -> ProcessRenderer:
    """The PDF worker's renderer: child processes, so rendering never stalls the consumers."""
    return ProcessRenderer(partial(build_renderer, settings), settings.pdf_render_processes)


def build_app(
    settings: CertificatesSettings,
    pool: asyncpg.Pool,
    context: Context,
    readiness: Mapping[str, Check] | None = None,
) -> FastAPI:
    return service_app(
        title="Certificates API",
        description=DESCRIPTION,
        routers=[
            forvaltning.router,
            forvaltning.operations,
            public.router,
            participants.router,
            access_log_api.router,
        ],
        clients=static_clients(
            settings,
            {
                FORVALTNING: Clients(settings.clients),
                OPERATOR: Clients.role(OPERATOR, settings.operators),
                ADMIN: Clients.role(ADMIN, settings.admins),
            },
        ),
        access_tokens=access_tokens(settings),
        readiness=readiness or {"database": database_check(pool)},
        errors=ERRORS,
        unit_of_work=unit_of_work(pool),
        read_access_log=functools.partial(access_log_store.read_access_log, pool),
        context=context,
    )


def build_consumer(settings: CertificatesSettings, consumers: Consumers) -> QueueConsumer:
    return create_consumer(
        settings.amqp_url.get_secret_value(),
        consumers,
        Policy(
            prefetch=settings.prefetch_count,
            batch_size=settings.consumer_batch_size,
            backoff=settings.retry_backoff_seconds,
            backoff_max=settings.retry_backoff_max_seconds,
        ),
    )


@asynccontextmanager
async def bootstrap(settings: CertificatesSettings | None = None) -> AsyncIterator[Service]:
    """The running service; leaving the block stops the consumers and closes everything."""
    settings = settings or CertificatesSettings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    configure_tracing(settings.service_name)
    context = build_context(settings)  # first: no signing key, no start
    amqp_url = settings.amqp_url.get_secret_value()
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(service_database(settings, MIGRATIONS))
        if settings.declare_topology:
            await declare(amqp_url, CITY_TOPOLOGY)
        publisher = AmqpPublisher(amqp_url)
        await publisher.connect()
        stack.push_async_callback(publisher.close)
        relay = await stack.enter_async_context(outbox_relay(settings, publisher))
        renderer = render_processes(settings)
        stack.callback(renderer.close)
        # cancelled with the background tasks: unacknowledged messages are redelivered
        consumer = build_consumer(settings, build_consumers(pool, context))
        readiness = {
            "database": database_check(pool),
            "outbox publisher": publisher.ready,
            "consumers": consumer.ready,
        }
        yield Service(
            app=build_app(settings, pool, context, readiness),
            host=settings.http_host,
            port=settings.http_port,
            background=[
                relay.run,
                consumer.run,
                build_pdf_worker(pool, context, renderer).run,
                lambda: monitor_outbox(pool),
                lambda: monitor_waiting(pool),
                functools.partial(
                    retention_job(settings, pool).run_every, settings.retention_interval_seconds
                ),
            ],
        )


def retention_job(
    settings: CertificatesSettings, pool: asyncpg.Pool, today: Callable[[], date] = city_today
) -> RetentionJob:
    """Erases the identity of placements past the retention period (once at a time)."""
    return RetentionJob(
        pool,
        lambda cutoff: erase_expired(unit_of_work(pool), today(), cutoff),
        settings.retention_days,
        today=today,
        now=lambda: datetime.now(UTC),
    )
