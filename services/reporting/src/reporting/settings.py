from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from runtime.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", env_file=".env", extra="ignore")

    service_name: str = "reporting"
    http_host: str = "127.0.0.1"
    http_port: int = 8003
    prefetch_count: int = Field(
        default=10_000,
        ge=1,
        le=20_000,
        description="Unacknowledged stream messages; at least twice batch_size, so the next "
        "batch arrives while one is applied.",
    )
    batch_size: int = Field(
        default=5_000,
        ge=1,
        le=10_000,
        description="Stream messages applied per transaction, at most (a batch takes what has "
        "arrived): a replay in batches of thousands writes each aggregate row once for many "
        "placements.",
    )
    reconnect_seconds: float = Field(
        default=2.0, gt=0, description="Wait before reconnecting after a broker or database error."
    )
    admin_token_hashes: list[str] = Field(
        default_factory=list,
        description="SHA-256 hashes (hex) of the bearer tokens that may change reference data; "
        'JSON list: ["…"]. Without one, reference data can only be changed by files.',
    )
    analyst_token_hashes: list[str] = Field(
        default_factory=list,
        description="SHA-256 hashes (hex) of the bearer tokens that may read the report, the "
        'exports and the dashboard (ASF analysts\' tools, the benchmark); JSON list: ["…"].',
    )
    suppression_threshold: int = Field(
        default=5,
        ge=1,
        le=100,
        description="The JSON report, the dashboard and the exports withhold counts from 1 up "
        "to this minus one (shown as '<threshold'), the counts that would reveal them and the "
        "figures derived from either ('..'). A request can raise it, never lower it. 1 "
        "withholds nothing: only for a closed environment, or tests that check the arithmetic "
        "on a handful of placements.",
    )
    organisations_file: Path | None = Field(
        default=None,
        description="Organisation register loaded into an empty database (default: the "
        "register shipped in contracts).",
    )
    targets_file: Path | None = Field(
        default=None,
        description="Targets (fördelningsmodell) loaded into an empty database (default: the "
        "file shipped in the reporting package).",
    )
