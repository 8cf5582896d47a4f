"""Wording shared by every page that opts a number out."""

from __future__ import annotations


def cancelled_note(cancelled: int) -> str:
    """The notification's tail after an opt-out: how many waiting texts it cancelled (SPEC §6)."""
    if not cancelled:
        return ""
    return f" {cancelled} queued or scheduled text{'s were' if cancelled != 1 else ' was'} cancelled."
