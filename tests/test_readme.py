"""The README's configuration table and layout section say what the code does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.test_layers import FLOORS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _variables_settings_read() -> set[str]:
    tree = ast.parse((ROOT / "emuchat" / "settings.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_the_configuration_table_lists_every_variable_settings_read():
    table = README.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = _variables_settings_read()
    assert {"EMAIL_BACKEND", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DATABASE_URL"} <= read
    assert read - listed == set()


def test_where_things_live_names_every_app_in_the_layer_order():
    section = README.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d) \| (.+?) \|", section, flags=re.M)
    assert [{name.strip("`/") for name in re.findall(r"`\w+/`", apps)} for _, apps in rows] == FLOORS
