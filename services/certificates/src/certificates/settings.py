from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from contracts.reference import Language
from runtime.settings import ServiceSettings


class CertificatesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CERTIFICATES_", env_file=".env", extra="ignore")

    service_name: str = "certificates"
    http_host: str = "127.0.0.1"
    http_port: int = 8002
    public_base_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Where people and verifiers reach this service: printed on every certificate"
        " (`<url>/verify/<id>`) and the base of the issuer, key and status-list URLs.",
    )
    issuer_name: str = "Malmö stad"
    issuer_url: str | None = Field(default=None, description="The city's home page, if given.")
    issuer_email: str | None = Field(
        default=None, description="The issuer's contact address, shown in every credential."
    )
    emblem_file: Path | None = Field(
        default=None,
        description="The city's emblem (SVG or PNG) for the credentials; a plain generated one"
        " otherwise (the demo's).",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="The issuer's Ed25519 key: PEM (PKCS#8) or the 32-byte seed in base64.",
    )
    signing_key_file: Path | None = Field(
        default=None, description="A file holding the signing key, instead of signing_key."
    )
    key_ring_file: Path | None = Field(
        default=None,
        description="The issuer's key ring (JSON, outside the repository): every public key that"
        " ever signed, the current one, retired and compromised ones. Without it the signing key"
        " is the only key (key-1). `city-ops certificates rotate-key` writes it.",
    )
    language: Language = Field(default="sv", description="The language certificates are issued in.")
    timezone: str = Field(default="Europe/Stockholm", description="For the date on the paper.")
    organisations_file: Path | None = Field(
        default=None, description="The organisation register (YAML); the shipped one otherwise."
    )
    clients: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Bearer-token SHA-256 hashes per organisation code, JSON: {"sf": ["…"]}.',
    )
    operators: list[str] = Field(
        default_factory=list,
        description="Bearer-token SHA-256 hashes of operators (see every waiting placement).",
    )
