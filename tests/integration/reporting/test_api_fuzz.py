"""The reporting API under a fuzz from its own OpenAPI document (see ``tests/integration/fuzz``):
no 5xx and no undocumented status code, for the public report and the admin's changes alike."""

from __future__ import annotations

from tests.integration.fuzz import fuzz
from tests.integration.reporting.conftest import Reporting


async def test_no_server_error_nor_undocumented_status(reporting: Reporting) -> None:
    result = await fuzz(
        reporting.app,
        {"Authorization": f"Bearer {reporting.admin_token}"},
        skip_paths=("/ready",),  # no consumer runs here, so its documented 503 is the answer
    )

    assert not result.failures, "\n\n".join(result.failures)
    assert result.requests > 100
