"""The reporting domain (definitions, projection, report, suppression) imports no broker,
database driver, web framework or runtime plumbing: it is pure, testable without servers."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import reporting.domain

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
]


def test_reporting_domain_imports_no_infrastructure() -> None:
    modules = [
        f"reporting.domain.{module.name}"
        for module in pkgutil.iter_modules(reporting.domain.__path__)
    ]
    assert len(modules) >= 7
    imports = "; ".join(f"import {name}" for name in modules)
    script = f"import sys; {imports}; print([m for m in {INFRASTRUCTURE!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
