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


@dataclass
class DemoSecrets:
    pseudonym_key: str
    signing_key_seed: str  # base64 Ed25519 seed
    admin_token: str
    tokens: dict[str, str]  # förvaltning code → bearer token
    broker_passwords: dict[str, str]  # broker user → password


def load_or_create(path: Path = DEFAULT_PATH) -> DemoSecrets:
    if path.exists():
        return DemoSecrets(**json.loads(path.read_text()))
    organisations = [a.code for a in load_register().administrations]
    made = DemoSecrets(
        pseudonym_key=secrets.token_urlsafe(32),
        signing_key_seed=base64.b64encode(secrets.token_bytes(32)).decode(),
        admin_token=secrets.token_urlsafe(32),
        tokens={code: secrets.token_urlsafe(32) for code in organisations},
        broker_passwords={u.name: secrets.token_urlsafe(24) for u in broker_users(organisations)},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(made), indent=2))
    path.chmod(0o600)
    return made
