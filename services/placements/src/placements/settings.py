from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from runtime.settings import ServiceSettings


class PlacementsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PLACEMENTS_", env_file=".env", extra="ignore")

    service_name: str = "placements"
