"""axe-core accessibility check for Playwright pages (the engine ships inside axe-playwright-python)."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")


def violations(page, *, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[str]:
    """WCAG A/AA violations on the page as it is now, one readable line per failing element."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def assert_accessible(page) -> None:
    found = violations(page)
    assert not found, "\n".join(found)
