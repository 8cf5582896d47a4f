"""Run axe-core in a Playwright page and fail on WCAG 2.1 A/AA violations.

The script is the axe-core build that the axe-playwright-python package ships
(a dev dependency); nothing is fetched at test time.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


@cache
def _script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def violations(page, *, tags: tuple[str, ...] = WCAG_TAGS) -> list[str]:
    """WCAG A/AA violations on the page as it is now, one readable line per failing element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_script())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {' '.join(node['target'])}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def assert_accessible(page, where: str = "") -> None:
    found = violations(page)
    place = f" on {where}" if where else ""
    assert not found, f"axe-core found WCAG violations{place}:\n" + "\n".join(found)
