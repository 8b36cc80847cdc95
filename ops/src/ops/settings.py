from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """Where the operator's tools look; every value from the environment (``OPS_…``)."""

    model_config = SettingsConfigDict(env_prefix="OPS_", env_file=".env", extra="ignore")

    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/city")
    management_url: str | None = "http://127.0.0.1:15672"
    management_user: str = "guest"
    management_password: SecretStr = SecretStr("guest")
    placements_database_url: SecretStr = SecretStr(
        "postgresql://postgres@127.0.0.1:5432/placements"
    )
    certificates_database_url: SecretStr = SecretStr(
        "postgresql://postgres@127.0.0.1:5432/certificates"
    )
    reporting_database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/reporting")
