"""Stored first responses for ``Idempotency-Key``, written in the command's own transaction."""

from __future__ import annotations

import json
import uuid

import asyncpg

from placements.service.ports import StoredResponse


class PostgresIdempotencyStore:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def claim(self, organisation: str, key: str) -> StoredResponse | None:
        """Hold the key until this transaction ends (a concurrent request with it waits
        here), then answer what a committed one stored."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{organisation}\x1f{key}"
        )
        row = await self._conn.fetchrow(
            """SELECT request_hash, status_code, response FROM idempotency_keys
                WHERE organisation = $1 AND key = $2""",
            organisation,
            key,
        )
        if row is None:
            return None
        return StoredResponse(row["request_hash"], row["status_code"], json.loads(row["response"]))

    async def forget(self, placement_ids: list[uuid.UUID]) -> int:
        """Drop the stored answers about these placements (they hold the identity)."""
        status = await self._conn.execute(
            "DELETE FROM idempotency_keys WHERE response->>'id' = ANY($1::text[])",
            [str(p) for p in placement_ids],
        )
        return int(status.split()[-1])

    async def add(self, organisation: str, key: str, response: StoredResponse) -> None:
        """Only after :meth:`claim` in the same transaction: nobody else can hold the key."""
        await self._conn.execute(
            """INSERT INTO idempotency_keys
                   (organisation, key, request_hash, status_code, response)
               VALUES ($1, $2, $3, $4, $5::jsonb)""",
            organisation,
            key,
            response.request_hash,
            response.status_code,
            json.dumps(response.body),
        )
