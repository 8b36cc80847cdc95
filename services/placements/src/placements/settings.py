from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from runtime.settings import ServiceSettings


class PlacementsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PLACEMENTS_", env_file=".env", extra="ignore")

    service_name: str = "placements"
    http_host: str = "127.0.0.1"
    http_port: int = 8001
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="City-wide key for participant_ref (HMAC-SHA256); required, never logged.",
    )
    clients: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Bearer-token SHA-256 hashes per organisation code, JSON: {"sef": ["…"]}.',
    )
    organisation_amqp_urls: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Per-förvaltning broker URL (its own user) for the relay, JSON by org code;"
        " organisations not listed publish with amqp_url.",
    )
