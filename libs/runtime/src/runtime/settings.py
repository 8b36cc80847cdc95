"""Settings from the environment (and ``.env``), with defaults that work on a developer machine."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service needs. A service subclasses it and sets its own ``env_prefix``
    (``PLACEMENTS_DATABASE_URL``, ``CERTIFICATES_AMQP_URL`` …), so one environment can hold
    the settings of every service without clashes."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", secrets_dir=None)

    service_name: str = "service"
    amqp_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672/city"),
        description="Broker URL including credentials and vhost.",
    )
    database_url: SecretStr = Field(
        default=SecretStr("postgresql://postgres@127.0.0.1:5432/postgres"),
        description="PostgreSQL DSN of the service's own database (created if missing).",
    )
    declare_topology: bool = Field(
        default=True,
        description="Declare the broker topology at start-up. Off where the service runs with "
        "a least-privilege broker user and the topology is provisioned (definitions, setup).",
    )
    log_level: str = "INFO"
    log_json: bool = True
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, description="Relay polling fallback; NOTIFY wakes it sooner."
    )
    prefetch_count: int = Field(
        default=64, ge=1, description="Unacknowledged messages per consumer."
    )
    retry_backoff_seconds: float = Field(
        default=0.5, gt=0, description="First retry delay of a failing handler; doubles each time."
    )
    retry_backoff_max_seconds: float = Field(default=30.0, gt=0)
    admins: list[str] = Field(
        default_factory=list,
        description="Bearer-token SHA-256 hashes of the city's admins (static tokens): they read "
        "the whole access log and ask for any person's register extract.",
    )
    retention_days: int = Field(
        default=730,
        ge=0,
        description="Days a participant's identity data (name, personnummer, supervisor) is "
        "kept after the placement ended (or was withdrawn); then the retention job erases it.",
    )
    retention_interval_seconds: float = Field(
        default=3600, gt=0, description="How often the retention job runs inside the service."
    )
    static_tokens: bool = Field(
        default=True,
        description="Accept the static bearer tokens (hashes in the settings). Switch off where "
        "callers sign in at the OpenID Connect issuer.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL whose access tokens (JWT) are accepted; its keys "
        "come from <issuer>/.well-known/openid-configuration. Unset: static tokens only.",
    )
    oidc_audience: str | None = Field(
        default=None, description="The access tokens' required audience (default: service name)."
    )
    oidc_role_claim: str = Field(
        default="roles",
        description="Claim with the caller's roles: förvaltning (or forvaltning), supervisor, "
        "asf-analyst, admin, operator.",
    )
    oidc_organisation_claim: str = Field(
        default="org", description="Claim with a förvaltning's organisation code."
    )
    oidc_leeway_seconds: float = Field(
        default=30, ge=0, description="Clock skew allowed on exp, nbf and iat."
    )
