"""No function in the services, the libraries, the contracts or the ops CLI is longer than a
screen: a longer one is doing several things and reads better split along them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ["services", "libs", "contracts", "ops"]
MAX_LINES = 60

# (path from the repository root, function name) -> why it may be longer. Data tables only:
# a literal that reads best in one piece. Keep it short; it is empty on purpose.
ALLOWED: dict[tuple[str, str], str] = {}

Function = ast.FunctionDef | ast.AsyncFunctionDef


def python_files(folder: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / folder).rglob("*.py")
        if not {".venv", "__pycache__"} & set(path.parts)
    )


def functions(path: Path) -> list[Function]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, Function)]


def length(function: Function) -> int:
    """Lines from ``def`` to the last line of the body (decorators not counted)."""
    return (function.end_lineno or function.lineno) - function.lineno + 1


def too_long(folder: str) -> dict[tuple[str, str], int]:
    found = {}
    for path in python_files(folder):
        relative = path.relative_to(ROOT).as_posix()
        for function in functions(path):
            if length(function) > MAX_LINES:
                found[(relative, function.name)] = length(function)
    return found


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_function_is_longer_than_a_screen(folder: str) -> None:
    assert python_files(folder), f"no Python files under {folder}/"
    offenders = {key: n for key, n in too_long(folder).items() if key not in ALLOWED}
    listing = "\n".join(
        f"  {path}: {name} ({n} lines)" for (path, name), n in sorted(offenders.items())
    )
    assert not offenders, f"over {MAX_LINES} lines (split them, or say why in ALLOWED):\n{listing}"


def test_every_allowed_exception_is_still_needed() -> None:
    """An entry whose function shrank (or moved) goes, so the list stays honest."""
    long_now = {key for folder in FOLDERS for key in too_long(folder)}
    stale = sorted(set(ALLOWED) - long_now)
    assert not stale, f"no longer over {MAX_LINES} lines, remove from ALLOWED: {stale}"


def test_the_check_counts_lines_from_def_to_the_end_of_the_body() -> None:
    source = "@decorator\ndef f():\n" + "    x = 1\n" * MAX_LINES
    (function,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, Function)]
    assert length(function) == MAX_LINES + 1
