"""Waits for browser tests: for a condition, never for a fixed time."""

from __future__ import annotations

SETTLED_ON_A_PHONE = """() => {
    const sidebar = document.querySelector('.sidebar');
    const folded = !sidebar || sidebar.getBoundingClientRect().right <= 0;
    return folded && document.getAnimations().length === 0;
}"""


def wait_until_settled_on_a_phone(page) -> None:
    """After a resize to a phone's width: the sidebar has slid away and no transition is still running."""
    page.wait_for_function(SETTLED_ON_A_PHONE)
