"""The map matches the house: every file and folder that ARCHITECTURE.md and the README's
folder table name exists, so a move or a rename that forgets the documents fails here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "__pycache__", "node_modules", "var"}
# A backticked path: folders end in "/", files in a known extension.
PATH = re.compile(r"`([\w./<>-]+(?:/|\.py|\.md|\.toml|\.sql|\.typ|\.j2|\.json|\.yml))`")


def tree() -> set[str]:
    """Every file and folder of the repository, relative to its root, folders with a '/'."""
    paths: set[str] = set()
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if SKIP & set(relative.parts):
            continue
        paths.add(relative.as_posix() + ("/" if path.is_dir() else ""))
    return paths


def named_paths(document: str) -> list[str]:
    """Paths inside the repository (not placeholders like ``<svc>/``, not ``../shared/``)."""
    return sorted({m for m in PATH.findall(document) if "<" not in m and not m.startswith("..")})


def exists(name: str, paths: set[str]) -> bool:
    """``name`` as written from the root, or as a suffix (``api/routes.py`` inside a service,
    as the documents write it once the service is named)."""
    return name in paths or any(p.endswith("/" + name) for p in paths)


def folder_table(readme: str) -> str:
    start = readme.index("| folder | what it is |")
    return readme[start : readme.index("\n\n", start)]


def whole(document: str) -> str:
    return document


@pytest.mark.parametrize(
    ("document", "part"),
    [("ARCHITECTURE.md", whole), ("README.md", folder_table)],
)
def test_every_path_named_exists(document: str, part: Callable[[str], str]) -> None:
    text = part((ROOT / document).read_text(encoding="utf-8"))
    names = named_paths(text)
    assert len(names) >= 10, names  # the pattern still finds the paths
    paths = tree()
    assert [name for name in names if not exists(name, paths)] == []
