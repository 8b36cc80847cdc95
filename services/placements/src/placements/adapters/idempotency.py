"""Stored first responses for ``Idempotency-Key``, written in the command's own transaction."""

from __future__ import annotations

import json

import asyncpg

from placements.service.ports import KeyAlreadyUsed, StoredResponse


class PostgresIdempotencyStore:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, organisation: str, key: str) -> StoredResponse | None:
        row = await self._conn.fetchrow(
            """SELECT request_hash, status_code, response FROM idempotency_keys
                WHERE organisation = $1 AND key = $2""",
            organisation,
            key,
        )
        if row is None:
            return None
        return StoredResponse(row["request_hash"], row["status_code"], json.loads(row["response"]))

    async def add(self, organisation: str, key: str, response: StoredResponse) -> None:
        """The insert waits for a concurrent transaction holding the same key; if that one
        commits, the key is taken (:class:`KeyAlreadyUsed`)."""
        try:
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
        except asyncpg.UniqueViolationError as error:
            raise KeyAlreadyUsed(key) from error
