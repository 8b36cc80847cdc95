"""Secrets for the local demo, made on first use and kept in ``var/demo-secrets.json``
(git-ignored), so a restart keeps the same pseudonyms, tokens and signing key.
Production takes every one of these from its own secret store."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from contracts.organisations import load_register
from contracts.topology import broker_users

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "var" / "demo-secrets.json"
SERVICES = ("placements", "certificates", "reporting")


@dataclass
class DemoSecrets:
    pseudonym_key: str
    signing_key_seed: str  # base64 Ed25519 seed
    admin_token: str
    tokens: dict[str, str]  # förvaltning code → bearer token
    broker_passwords: dict[str, str]  # broker user → password
    analyst_token: str  # an ASF analyst's, for the report's API and the benchmark
    session_secrets: dict[str, str]  # service → secret of its browser session cookie


def load_or_create(path: Path = DEFAULT_PATH) -> DemoSecrets:
    """The secrets kept in ``path``; a file from before a secret was added gets it added."""
    kept = json.loads(path.read_text()) if path.exists() else {}
    if kept.keys() >= DemoSecrets.__dataclass_fields__.keys():
        return DemoSecrets(**kept)
    made = DemoSecrets(**{**asdict(_new_secrets()), **kept})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(made), indent=2))
    path.chmod(0o600)
    return made


def _new_secrets() -> DemoSecrets:
    organisations = [a.code for a in load_register().administrations]
    return DemoSecrets(
        pseudonym_key=secrets.token_urlsafe(32),
        signing_key_seed=base64.b64encode(secrets.token_bytes(32)).decode(),
        admin_token=secrets.token_urlsafe(32),
        tokens={code: secrets.token_urlsafe(32) for code in organisations},
        broker_passwords={u.name: secrets.token_urlsafe(24) for u in broker_users(organisations)},
        analyst_token=secrets.token_urlsafe(32),
        session_secrets={s: secrets.token_urlsafe(32) for s in SERVICES},
    )
