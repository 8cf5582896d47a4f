"""Run axe-core in a Playwright page and fail on WCAG 2.1 A/AA violations.

The script is the axe-core build that the axe-playwright-python package ships
(a dev dependency); nothing is fetched at test time.

Besides the WCAG A/AA rules, two kinds of finding fail too (issue 13): axe's
*experimental* ``label-content-name-mismatch`` (a control whose accessible name
does not contain its visible label: speech users say what they see), and any
*best-practice* finding that axe rates serious or critical.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
EXPERIMENTAL_RULES = ("label-content-name-mismatch",)
SERIOUS = {"serious", "critical"}


@cache
def _script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


_RUN = """([tags, extra]) => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    rules: Object.fromEntries(extra.map(id => [id, {enabled: true}])),
})"""


def violations(page, *, tags: tuple[str, ...] = WCAG_TAGS) -> list[str]:
    """Failing findings on the page as it is now, one readable line per failing element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_script())
    result = page.evaluate(_RUN, [[*tags, "best-practice"], list(EXPERIMENTAL_RULES)])
    wcag = set(tags)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {' '.join(node['target'])}"
        for v in result["violations"]
        if wcag & set(v["tags"]) or v["id"] in EXPERIMENTAL_RULES or v["impact"] in SERIOUS
        for node in v["nodes"]
    ]


def assert_accessible(page, where: str = "") -> None:
    found = violations(page)
    place = f" on {where}" if where else ""
    assert not found, f"axe-core found violations{place}:\n" + "\n".join(found)
