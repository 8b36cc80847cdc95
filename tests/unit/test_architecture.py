"""Business rules never import the broker, the database driver or the web framework."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import certificates.domain
import placements.domain
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
