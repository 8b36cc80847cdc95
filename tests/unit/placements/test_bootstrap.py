"""The composition root refuses to start without the city-wide pseudonym key."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from placements.bootstrap import MissingSecret, bootstrap
from placements.settings import PlacementsSettings


async def test_no_pseudonym_key_no_service() -> None:
    # An unreachable database: the refusal comes before any connection is tried.
    settings = PlacementsSettings(
        pseudonym_key=None, database_url=SecretStr("postgresql://nobody@127.0.0.1:1/none")
    )
    with pytest.raises(MissingSecret, match="PLACEMENTS_PSEUDONYM_KEY"):
        async with bootstrap(settings):
            pass
