"""While the database is away the API says so honestly, a 503 with ``Retry-After`` that
stores nothing, and answers again as soon as it is back, with no restart."""

from __future__ import annotations

import httpx
import pytest

from placements.bootstrap import MIGRATIONS, build_app
from runtime.postgres import create_pool, migrate
from tests.integration.placements.conftest import TODAY, Placements, registration
from tests.support import eventually
from tools.forwarder import Forwarder
from tools.sandbox import POSTGRES_URL

pytestmark = pytest.mark.integration


async def test_a_database_outage_is_a_503_to_retry_and_then_business_as_usual(
    placements: Placements, database_url: str
) -> None:
    database = Forwarder(POSTGRES_URL.rsplit("@", 1)[-1])
    await database.up()
    pool = await create_pool(database.url(database_url), min_size=1, max_size=4)
    await migrate(pool, MIGRATIONS)
    app = build_app(placements.settings, pool, today=lambda: TODAY)
    headers = {"Authorization": f"Bearer {placements.tokens['sf']}"}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://p", headers=headers
        ) as client:
            await database.down()
            listed = await client.get("/placements")
            created = await client.post("/placements", json=registration())
            ready = await client.get("/ready")
            await database.up()

            async def answers_again() -> bool:
                return (await client.get("/placements")).status_code == 200

            await eventually(answers_again, within=30)
            after = await client.get("/placements")
    finally:
        await pool.close()
        await database.down()
    for response in (listed, created):
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) > 0
    assert ready.status_code == 503
    assert after.json()["items"] == [], "the refused registration stored nothing"
