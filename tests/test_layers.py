"""The layers in STYLE.md, for the pairs issue 10 untangled: lower apps never import upper ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# app -> apps above it that it must never import (not even inside a function).
FORBIDDEN = {
    "optouts": {"messaging", "conversations", "compliance", "api"},
    "messaging": {"compliance", "api"},
}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_a_lower_app_never_imports_an_app_above_it(app):
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        for name in _imported_apps(path) & FORBIDDEN[app]
    }
    assert not offenders, sorted(offenders)
