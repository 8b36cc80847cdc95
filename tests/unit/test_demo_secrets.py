"""``make run``'s demo secrets: kept across restarts, and a file made before a secret was added
gets it added without losing the others (tokens people already use, the pseudonym key)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from reporting.settings import ReportingSettings
from runtime.http.auth import token_hash
from tools import run
from tools.demo_secrets import load_or_create


def test_secrets_are_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "demo-secrets.json"
    assert load_or_create(path) == load_or_create(path)


def test_an_older_file_gets_the_new_secrets_and_keeps_its_own(tmp_path: Path) -> None:
    path = tmp_path / "demo-secrets.json"
    older = asdict(load_or_create(path))
    del older["analyst_token"], older["session_secrets"]
    path.write_text(json.dumps(older))

    upgraded = load_or_create(path)

    assert {k: v for k, v in asdict(upgraded).items() if k in older} == older
    assert upgraded.analyst_token
    assert set(upgraded.session_secrets) == {"placements", "certificates", "reporting"}
    assert load_or_create(path) == upgraded, "the added secrets are written back"


def test_make_run_turns_the_demo_sign_in_on_for_reporting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = load_or_create(tmp_path / "demo-secrets.json")
    for name, value in run.reporting_environment(demo).items():
        monkeypatch.setenv(name, value)
    settings = ReportingSettings()
    assert settings.demo_sign_in
    assert settings.session_secret is not None
    assert settings.session_secret.get_secret_value() == demo.session_secrets["reporting"]
    assert settings.session_cookie_secure is False  # the demo is served over http
    assert settings.analyst_token_hashes == [token_hash(demo.analyst_token)]
