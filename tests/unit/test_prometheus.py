"""The Prometheus configuration and alert rules, checked by promtool (Debian's prometheus
package; `make test` installs it when missing), including the rules' own unit tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def promtool(*args: str) -> str:
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: run scripts/ensure-test-tools.sh (make test does)"
    result = subprocess.run(
        [binary, *args], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml")],
)
def test_promtool_accepts_the_configuration(args: tuple[str, ...]) -> None:
    assert "SUCCESS" in promtool(*args)


def test_each_alert_fires_when_it_should_and_not_before() -> None:
    assert "SUCCESS" in promtool("test", "rules", "alerts.test.yml")
