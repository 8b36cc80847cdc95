from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from contracts.reference import Language
from runtime.settings import ServiceSettings

_DEMO_SIGNATORY_TITLE: dict[Language, str] = {
    "sv": "Avdelningschef, Arbetsmarknads- och socialförvaltningen",
    "en": "Head of Department, Labour Market and Social Services",
}


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
        description="The city's emblem (SVG, PNG or JPEG), on the paper and in the credentials;"
        " a plain generated shield otherwise (the demo's).",
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
    signatory_name: str | None = Field(
        default="Maria Berg", description="Who signs certificates for the issuer (demo name)."
    )
    signatory_title: dict[Language, str] = Field(
        default_factory=lambda: dict(_DEMO_SIGNATORY_TITLE),
        description='The signatory\'s title per language, JSON: {"sv": "…", "en": "…"}.',
    )
    contact_email: str | None = Field(
        default="kompetensintyg@malmo.example",
        description="Printed on certificates for questions about them (demo address).",
    )
    contact_phone: str | None = Field(default=None, description="Printed next to the e-mail.")
    seal_key_file: Path | None = Field(
        default=None,
        description="The issuer's seal key (PEM, unencrypted) that seals every PDF (PAdES).",
    )
    seal_certificate_file: Path | None = Field(
        default=None,
        description="The seal's X.509 certificate (PEM), followed by its chain. Without key "
        "and certificate the service seals with a self-signed demo certificate it makes.",
    )
    language: Language = Field(default="sv", description="The language certificates are issued in.")
    pdf_render_processes: int = Field(
        default=1,
        ge=1,
        description="Child processes the PDF worker renders in (the credential never waits).",
    )
    consumer_batch_size: int = Field(
        default=256,
        ge=1,
        description="Most consumed events applied in one transaction; a batch is what has "
        "arrived while the previous one was applied.",
    )
    prefetch_count: int = Field(
        default=512,
        ge=1,
        description="Unacknowledged messages per queue: room for the next batch to arrive "
        "while one is applied.",
    )
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
