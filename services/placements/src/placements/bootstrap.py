"""Wire the placements service: database, reference data, credentials, API and relay."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files

import asyncpg
from fastapi import FastAPI

from contracts.reference import load_reference_data
from placements.adapters.unit_of_work import PlacementsUnitOfWork
from placements.api.app import Dependencies, create_app
from placements.service.handlers import Context
from placements.settings import PlacementsSettings
from runtime.http.auth import Clients
from runtime.http.operations import Check, database_check
from runtime.postgres import MigrationSource, runtime_migrations

MIGRATIONS = [
    runtime_migrations("outbox"),
    MigrationSource("placements", files("placements") / "migrations"),
]


class MissingSecret(RuntimeError):
    pass


def build_api(
    settings: PlacementsSettings, pool: asyncpg.Pool, readiness: Mapping[str, Check] | None = None
) -> FastAPI:
    if settings.pseudonym_key is None:
        raise MissingSecret(
            "PLACEMENTS_PSEUDONYM_KEY is not set: the city-wide pseudonym key is required"
        )
    return create_app(
        Dependencies(
            unit_of_work=lambda: PlacementsUnitOfWork(pool),
            context=Context(
                reference=load_reference_data(),
                pseudonym_key=settings.pseudonym_key.get_secret_value().encode(),
            ),
            clients=Clients(settings.clients),
            readiness=readiness or {"database": database_check(pool)},
        )
    )
