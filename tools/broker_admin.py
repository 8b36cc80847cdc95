"""Create broker users with their permissions through the management API (the same
``BrokerUser`` specs the definitions file is generated from), with passwords given at run time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

import httpx

from contracts.topology import BrokerUser


async def provision_users(
    api: httpx.AsyncClient, vhost: str, users: Iterable[BrokerUser], passwords: Mapping[str, str]
) -> None:
    for user in users:
        name = quote(user.name, safe="")
        (
            await api.put(
                f"/api/users/{name}", json={"password": passwords[user.name], "tags": user.tags}
            )
        ).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{quote(vhost, safe='')}/{name}",
                json={"configure": user.configure, "write": user.write, "read": user.read},
            )
        ).raise_for_status()
        for exchange, pattern in user.topic_write:
            (
                await api.put(
                    f"/api/topic-permissions/{quote(vhost, safe='')}/{name}",
                    json={"exchange": exchange, "write": pattern, "read": ".*"},
                )
            ).raise_for_status()


async def delete_users(api: httpx.AsyncClient, users: Iterable[BrokerUser]) -> None:
    for user in users:
        await api.delete(f"/api/users/{quote(user.name, safe='')}")
