"""The placements API under a fuzz from its own OpenAPI document (see ``tests/integration/fuzz``):
no 5xx and no undocumented status code, for any request a förvaltning system can send."""

from __future__ import annotations

from tests.integration.fuzz import fuzz
from tests.integration.placements.conftest import Placements


async def test_no_server_error_nor_undocumented_status(placements: Placements) -> None:
    result = await fuzz(placements.app, {"Authorization": f"Bearer {placements.tokens['sf']}"})

    assert not result.failures, "\n\n".join(result.failures)
    assert result.requests > 100
