"""The architecture holds: business rules import no broker, database driver, web framework,
renderer or cryptography; the layers import only downwards; the services know each other only
through contracts; the ops CLI uses only their public operations.

The import contracts are in ``pyproject.toml`` (``[tool.importlinter]``); the first test also
proves at run time what the domain modules load, including what they load indirectly."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import certificates.domain
import placements.domain
import reporting.domain

ROOT = Path(__file__).resolve().parents[2]

INFRASTRUCTURE = [
    "faststream",
    "fastapi",
    "starlette",
    "asyncpg",
    "aio_pika",
    "aiormq",
    "runtime",
    "jinja2",
    "openpyxl",
    "typst",
    "segno",
    "cryptography",
    "rfc8785",
    "base58",
]


def domain_modules() -> list[str]:
    return [
        f"{package.__name__}.{module.name}"
        for package in (placements.domain, certificates.domain, reporting.domain)
        for module in pkgutil.iter_modules(package.__path__)
    ]


def test_domain_modules_import_no_infrastructure() -> None:
    modules = domain_modules()
    assert len(modules) >= 13
    imports = "; ".join(f"import {name}" for name in modules)
    script = f"import sys; {imports}; print([m for m in {INFRASTRUCTURE!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_import_contract_is_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is a dev dependency"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
