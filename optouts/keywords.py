"""Keyword matching for inbound texts (SPEC §4): a pure function, no database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

KeywordResult = Literal["opt_out", "opt_in"]

# Longest first is not needed (no keyword is a prefix of another), but the
# order documents precedence: UNSUBSCRIBE is an opt-out, never an opt-in.
DEFAULT_KEYWORDS: tuple[tuple[str, KeywordResult], ...] = (
    ("STOP", "opt_out"),
    ("UNSUBSCRIBE", "opt_out"),
    ("SUBSCRIBE", "opt_in"),
)
# Between the words of a two-word keyword: "OPT OUT" also matches "opt-out" and "opt  out".
_WORD_GAP = r"[\s_\-]+"


def starts_with_word(text: str, word: str) -> bool:
    """True when ``text`` begins with ``word`` (any case) and no letter or digit follows it."""
    head = text[: len(word)]
    if len(head) < len(word) or head.upper() != word.upper():
        return False
    following = text[len(word) : len(word) + 1]
    return not following.isalnum()


def fold(text: str) -> str:
    """The case- and accent-insensitive form of ``text``: ``Arrêt`` → ``arret``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=512)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(_WORD_GAP.join(re.escape(word) for word in fold(keyword).split()))


def starts_with_keyword(folded_text: str, keyword: str) -> bool:
    """Like :func:`starts_with_word` for a workspace keyword, on text already passed through :func:`fold`."""
    match = _keyword_pattern(keyword).match(folded_text)
    return match is not None and not folded_text[match.end() : match.end() + 1].isalnum()


def match_keyword(
    text: str, *, extra_opt_out: Iterable[str] = (), extra_opt_in: Iterable[str] = ()
) -> KeywordResult | None:
    """Classify an inbound text: ``"opt_out"``, ``"opt_in"`` or ``None``.

    The defaults always apply first and match as SPEC §4 says. A workspace's
    own and pack keywords (``extra_*``) follow the same start-of-message,
    whole-word rule, ignoring case and accents; opt-out words are tried
    before opt-in words, so an ambiguous text never opts anyone back in.
    """
    trimmed = (text or "").strip()
    for word, result in DEFAULT_KEYWORDS:
        if starts_with_word(trimmed, word):
            return result
    if not (extra_opt_out or extra_opt_in):
        return None
    folded = fold(trimmed)
    extras: tuple[tuple[Iterable[str], KeywordResult], ...] = ((extra_opt_out, "opt_out"), (extra_opt_in, "opt_in"))
    for words, result in extras:
        # Within one kind the order does not matter: any match gives the same result.
        if any(starts_with_keyword(folded, word) for word in words):
            return result
    return None
