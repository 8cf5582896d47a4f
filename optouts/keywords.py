"""Keyword matching for inbound texts (SPEC §4): a pure function, no database."""

from __future__ import annotations

from typing import Literal

KeywordResult = Literal["opt_out", "opt_in"]

# Longest first is not needed (no keyword is a prefix of another), but the
# order documents precedence: UNSUBSCRIBE is an opt-out, never an opt-in.
DEFAULT_KEYWORDS: tuple[tuple[str, KeywordResult], ...] = (
    ("STOP", "opt_out"),
    ("UNSUBSCRIBE", "opt_out"),
    ("SUBSCRIBE", "opt_in"),
)


def starts_with_word(text: str, word: str) -> bool:
    """True when ``text`` begins with ``word`` (any case) and no letter or digit follows it."""
    head = text[: len(word)]
    if len(head) < len(word) or head.upper() != word.upper():
        return False
    following = text[len(word) : len(word) + 1]
    return not following.isalnum()


def match_keyword(text: str) -> KeywordResult | None:
    """Classify an inbound text: ``"opt_out"``, ``"opt_in"`` or ``None``."""
    trimmed = (text or "").strip()
    for word, result in DEFAULT_KEYWORDS:
        if starts_with_word(trimmed, word):
            return result
    return None
