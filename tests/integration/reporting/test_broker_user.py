"""The service works with its own broker user's narrow permissions (configure ``reporting.*``,
read ``city.events``), which cannot touch the identity exchange."""

from __future__ import annotations

import dataclasses
import secrets
from urllib.parse import quote

import pytest

from contracts.topology import REPORTING_CITY_STREAM, broker_users
from reporting.adapters.stream import declare_stream
from tests.integration.reporting.conftest import Reporting
from tests.integration.reporting.scenario import TARGETS_2026, assert_year_2026, messages
from tools.broker_admin import delete_users, provision_users
from tools.sandbox import AMQP_HOST, management, unique

pytestmark = pytest.mark.integration


async def test_the_reporting_broker_user_is_enough(reporting: Reporting) -> None:
    vhost = reporting.amqp_url.rsplit("/", 1)[1]
    [user] = [u for u in broker_users([], prefix=f"{unique('t')}-") if u.name.endswith("reporting")]
    password = secrets.token_urlsafe(16)
    async with management() as api:
        await provision_users(api, vhost, [user], {user.name: password})
        try:
            url = f"amqp://{quote(user.name)}:{password}@{AMQP_HOST}/{vhost}"
            await declare_stream(url, REPORTING_CITY_STREAM)  # idempotent, within its rights
            await reporting.set_targets(2026, TARGETS_2026)
            await reporting.publish(messages())
            reporting.config = dataclasses.replace(reporting.config, amqp_url=url)
            reporting.start()
            await reporting.caught_up()
        finally:
            await reporting.stop()
            await delete_users(api, [user])
    assert_year_2026(await reporting.report(kind="year", year=2026))
