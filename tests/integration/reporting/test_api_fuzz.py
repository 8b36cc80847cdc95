"""The reporting API under a fuzz from its own OpenAPI document (see ``tests/integration/fuzz``):
no 5xx and no undocumented status code, for the analysts' report and the admin's changes alike."""

from __future__ import annotations

import secrets

from runtime.http.auth import token_hash
from tests.integration.fuzz import fuzz
from tests.integration.reporting.conftest import running_reporting


async def test_no_server_error_nor_undocumented_status(amqp_url: str, database_url: str) -> None:
    token = secrets.token_urlsafe(32)  # one person who is both an analyst and an admin
    both = [token_hash(token)]
    async with running_reporting(
        amqp_url, database_url, admin_token_hashes=both, analyst_token_hashes=both
    ) as reporting:
        result = await fuzz(
            reporting.app,
            {"Authorization": f"Bearer {token}"},
            skip_paths=("/ready",),  # no consumer runs here, so its documented 503 is the answer
        )

    assert not result.failures, "\n\n".join(result.failures)
    assert result.requests > 100
