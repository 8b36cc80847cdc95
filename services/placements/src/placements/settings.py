from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
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
    certificates_url: str | None = Field(
        default=None,
        description="The certificates service's base URL: for the app's certificate state and "
        "downloads (unset: the app says the state is unavailable), and for its part of a register "
        "extract (unset: every extract answers 503, as it would be incomplete).",
    )
    certificates_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON, organisation code → that förvaltning's bearer token at the "
        "certificates service (the app asks on the signed-in supervisor's förvaltning's behalf).",
    )
    certificates_token: SecretStr | None = Field(
        default=None,
        description="A bearer token of the admin role at the certificates service (its hash in "
        "CERTIFICATES_ADMINS), for the register extract.",
    )
    # Plausibility: what a typed date or age may be before it is refused as a mistake.
    start_years_back: int = Field(
        default=5, ge=0, description="A start date at most this many years before today."
    )
    start_months_ahead: int = Field(
        default=6, ge=0, description="A start date at most this many months after today."
    )
    assessment_grace_days: int = Field(
        default=30, ge=0, description="Days after the placement's end an assessment may be dated."
    )
    min_age: int = Field(default=16, ge=0, description="Youngest participant age at the start.")
    max_age: int = Field(default=67, ge=0, description="Oldest participant age at the start.")

    @model_validator(mode="after")
    def _ages_in_order(self) -> Self:
        if self.min_age > self.max_age:
            raise ValueError("PLACEMENTS_MIN_AGE is above PLACEMENTS_MAX_AGE")
        return self
