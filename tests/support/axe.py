"""Run axe-core in a Playwright page and fail on serious or critical violations.

The script is the axe-core build that the axe-playwright-python package ships
(a dev dependency); nothing is fetched at test time.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

BLOCKING = ("serious", "critical")


@cache
def _script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """The serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_script())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})",
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}× e.g. {targets})")
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    found = violations(page)
    place = f" on {where}" if where else ""
    assert not found, f"axe-core found serious/critical violations{place}:\n" + describe(found)
