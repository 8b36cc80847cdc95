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
    oidc_client_id: str | None = Field(
        default=None,
        description="The browser sign-in's client at the issuer (default: the audience, else "
        "the service name).",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="The browser sign-in client's secret; unset for a public client (PKCE only).",
    )
    oidc_scopes: str = Field(
        default="openid profile email",
        description="Scopes the browser sign-in asks for; the ID token must carry the role and "
        "organisation claims.",
    )
    public_url: str | None = Field(
        default=None,
        description="Where browsers reach the service (https://…, no trailing slash); the "
        "provider sends them back to <public_url>/sign-in/callback. Unset: the request's own "
        "address.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the browser session cookie; the same on every replica. Unset: a "
        "random one per process (sessions end at a restart and are not shared).",
    )
    session_cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only. Off only for a demo on http://.",
    )
    session_max_age_seconds: int = Field(
        default=8 * 3600, ge=60, le=30 * 24 * 3600, description="A browser session's lifetime."
    )
    demo_sign_in: bool = Field(
        default=False,
        description="Without an issuer, serve the demo sign-in form at /sign-in (pick a role, "
        "organisation and name, no password). Never on where real data is.",
    )
