"""Wire the certificates service: signing key, reference data, database, consumers and API."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import FastAPI

from certificates.adapters.unit_of_work import CertificatesUnitOfWork
from certificates.api.app import OPERATORS, Dependencies, create_app
from certificates.domain.credential import SigningKey
from certificates.keys import load_signing_key
from certificates.messaging import Consumers
from certificates.service.context import Context, Urls
from certificates.settings import CertificatesSettings
from contracts.organisations import load_register
from contracts.reference import load_reference_data
from runtime.http.auth import Clients
from runtime.http.operations import Check, database_check
from runtime.postgres import MigrationSource, runtime_migrations

MIGRATIONS = [
    runtime_migrations("outbox"),
    runtime_migrations("inbox"),
    MigrationSource("certificates", files("certificates") / "migrations"),
]


def build_context(settings: CertificatesSettings, key: SigningKey | None = None) -> Context:
    """Everything the use cases need; refuses to build without a signing key."""
    return Context(
        reference=load_reference_data(),
        register=load_register(settings.organisations_file),
        key=key or load_signing_key(settings),
        issuer_name=settings.issuer_name,
        issuer_url=settings.issuer_url,
        urls=Urls(settings.public_base_url),
        timezone=ZoneInfo(settings.timezone),
        language=settings.language,
    )


def build_consumers(pool: asyncpg.Pool, context: Context) -> Consumers:
    return Consumers(lambda: CertificatesUnitOfWork(pool), context)


def build_api(
    settings: CertificatesSettings,
    pool: asyncpg.Pool,
    context: Context,
    readiness: Mapping[str, Check] | None = None,
) -> FastAPI:
    return create_app(
        Dependencies(
            unit_of_work=lambda: CertificatesUnitOfWork(pool),
            context=context,
            clients=Clients(settings.clients),
            operators=Clients({OPERATORS: settings.operators}),
            readiness=readiness or {"database": database_check(pool)},
        )
    )
