"""The certificates API under a fuzz from its own OpenAPI document (see
``tests/integration/fuzz``): no 5xx and no undocumented status code, public routes included."""

from __future__ import annotations

from tests.integration.certificates.conftest import Service
from tests.integration.fuzz import fuzz


async def test_no_server_error_nor_undocumented_status(service: Service) -> None:
    result = await fuzz(service.app, {"Authorization": f"Bearer {service.tokens['sf']}"})

    assert not result.failures, "\n\n".join(result.failures)
    assert result.requests > 100
