"""The layers in STYLE.md, read from the code's own imports (ast), so they stay true.

An app imports only apps on its own floor or below, never above (not even
inside a function), and no two modules import each other, directly or round
a longer loop. The order is written once, here (README "Where things live",
docs/decisions.md #14 explain it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Ground up; apps on one floor may import each other's modules (never in a loop).
FLOORS: list[set[str]] = [
    {"emuchat"},  # settings, phone numbers, shared lookups, the Celery app
    {"workspaces"},
    {"imports"},  # the import engine: targets register with it from above
    {"contacts", "optouts"},  # each an import target; opt-outs show contacts, contacts opt out
    {"conversations", "messaging"},  # a thread has a sender number, a text belongs to a thread
    {"compliance"},  # plugs into messaging through messaging/hooks.py
    {"api"},
    {"demo"},  # fills every app with the demo workspace
]
FLOOR = {app: level for level, apps in enumerate(FLOORS) for app in apps}

# The root URLconf wires every app's URLs into one site: it is the top by nature.
EXEMPT = {"emuchat.urls"}


def _modules() -> dict[str, Path]:
    found = {}
    for app in FLOOR:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # generated; they name models, not modules
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, in functions too, except under ``if TYPE_CHECKING:`` (never executed)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            children = child.orelse
        else:
            children = [child]
        for statement in children:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                yield statement
            yield from _runtime_imports(statement)


def _known(name: str) -> str | None:
    """The project module that ``name`` (a module, or a name in one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name) for alias in node.names)
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        found.update(_known(f"{source}.{alias.name}") for alias in node.names)
    found.discard(None)
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def _app(module: str) -> str:
    return module.split(".")[0]


def test_no_app_imports_an_app_above_it():
    upward = sorted(
        f"{module} imports {target} ({_app(target)} is above {_app(module)})"
        for module, targets in GRAPH.items()
        if module not in EXEMPT
        for target in targets
        if FLOOR[_app(target)] > FLOOR[_app(module)]
    )
    assert not upward, upward


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_two_modules_import_each_other():
    assert not _cycles(GRAPH), _cycles(GRAPH)


def test_every_app_is_on_a_floor():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps == set(FLOOR), "add the new app to FLOORS in tests/test_layers.py"


def test_the_reader_sees_the_imports_it_judges():
    """The checks above would pass on an empty graph: prove it reads what the code imports."""
    assert "optouts.services" in GRAPH["contacts.services"]  # absolute, at module level
    assert "imports.engine" in GRAPH["imports.tasks"]  # relative: from . import engine
    assert "optouts.import_target" in GRAPH["optouts.apps"]  # inside a function
    assert "imports.models" not in GRAPH["imports.targets"]  # only under TYPE_CHECKING
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
