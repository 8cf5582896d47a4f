"""Keyword matching for inbound texts (SPEC §4): pure functions, no database.

Three rules, in this order (docs/decisions.md, "Keyword rules"):

1. The article's three words (STOP, UNSUBSCRIBE, SUBSCRIBE) match at the
   **start** of the message, as a whole word.
2. Every other keyword — the carrier/FCC words that are always on, keyword
   packs, a workspace's own words — matches only as the **whole message**:
   they are everyday words ("Cancel my 3pm appointment").
3. A text containing an opt-out keyword as a word anywhere is never an opt-in
   ("SUBSCRIBE? no, STOP").

All of it runs on the normalised text: NFKC, invisible format characters and
control characters gone, and quotes, punctuation, symbols and emoji around the
words ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from emuchat.text import clean_text  # noqa: F401  (re-exported: the keyword matcher's callers clean with it)

KeywordResult = Literal["opt_out", "opt_in"]

# The order documents precedence: UNSUBSCRIBE is an opt-out, never an opt-in.
DEFAULT_KEYWORDS: tuple[tuple[str, KeywordResult], ...] = (
    ("STOP", "opt_out"),
    ("UNSUBSCRIBE", "opt_out"),
    ("SUBSCRIBE", "opt_in"),
)
# What US carriers (CTIA) and the FCC's 2025 revocation rule require besides STOP and UNSUBSCRIBE.
CARRIER_OPT_OUT: tuple[str, ...] = ("STOPALL", "END", "CANCEL", "QUIT", "REVOKE", "OPTOUT", "OPT OUT")
HELP_WORDS: tuple[str, ...] = ("HELP", "INFO")
# Between the words of a two-word keyword: "OPT OUT" also matches "opt-out" and "opt  out".
_WORD_GAP = re.compile(r"[\s_\-]+")
_WORD = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """The text as the matcher reads it: NFKC, no invisible or control characters, any whitespace one space."""
    composed = unicodedata.normalize("NFKC", text or "")
    kept = []
    for char in composed:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf"):
            kept.append(char)
    return " ".join("".join(kept).split())


def _trim_symbols(text: str) -> str:
    """Drop quotes, punctuation, symbols and emoji (anything but letters and digits) at both ends."""
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def fold(text: str) -> str:
    """The case- and accent-insensitive form of ``text``: ``Arrêt`` → ``arret``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _folded_phrase(text: str) -> str:
    """A keyword or whole message as one comparable phrase: folded, word gaps made single spaces."""
    return " ".join(_WORD_GAP.sub(" ", fold(text)).split())


def starts_with_word(text: str, word: str) -> bool:
    """True when ``text`` begins with ``word`` (any case) and no letter or digit follows it."""
    head = text[: len(word)]
    if len(head) < len(word) or head.upper() != word.upper():
        return False
    following = text[len(word) : len(word) + 1]
    return not following.isalnum()


@lru_cache(maxsize=512)
def _keyword_phrase(keyword: str) -> str:
    return _folded_phrase(keyword)


def whole_message(text: str) -> str:
    """The normalised message with the symbols around it trimmed, folded: ``"Opt-Out!"`` → ``opt out``."""
    return _folded_phrase(_trim_symbols(normalize(text)))


def is_whole_message(text: str, keywords: Iterable[str]) -> bool:
    phrase = whole_message(text)
    return bool(phrase) and any(phrase == _keyword_phrase(keyword) for keyword in keywords)


def contains_word(text: str, keywords: Iterable[str]) -> bool:
    """True when one of ``keywords`` appears as a whole word (or words) anywhere in ``text``."""
    words = " " + " ".join(_WORD.findall(fold(normalize(text)))) + " "
    return any(f" {_keyword_phrase(keyword)} " in words for keyword in keywords if _keyword_phrase(keyword))


def starts_with_any(text: str, keywords: Iterable[str]) -> bool:
    """True when the message's first word (or words) is one of ``keywords``: ``BAJA la música``."""
    words = " " + " ".join(_WORD.findall(fold(normalize(text)))) + " "
    return any(words.startswith(f" {_keyword_phrase(keyword)} ") for keyword in keywords if _keyword_phrase(keyword))


def opt_out_words(extra_opt_out: Iterable[str] = ()) -> tuple[str, ...]:
    """Every opt-out keyword in force: the article's, the carriers' and the workspace's."""
    defaults = tuple(word for word, result in DEFAULT_KEYWORDS if result == "opt_out")
    return defaults + CARRIER_OPT_OUT + tuple(extra_opt_out)


def is_help_request(text: str) -> bool:
    """HELP or INFO as the whole message (after normalisation)."""
    return is_whole_message(text, HELP_WORDS)


def match_keyword(
    text: str, *, extra_opt_out: Iterable[str] = (), extra_opt_in: Iterable[str] = ()
) -> KeywordResult | None:
    """Classify an inbound text: ``"opt_out"``, ``"opt_in"`` or ``None`` (rules in the module docstring)."""
    extra_opt_out, extra_opt_in = tuple(extra_opt_out), tuple(extra_opt_in)
    lead = _trim_symbols(normalize(text)) if text else ""
    if not lead:
        return None
    result: KeywordResult | None = next(
        (result for word, result in DEFAULT_KEYWORDS if starts_with_word(lead, word)), None
    )
    if result is None and is_whole_message(lead, CARRIER_OPT_OUT + extra_opt_out):
        result = "opt_out"
    if result is None and is_whole_message(lead, extra_opt_in):
        result = "opt_in"
    if result == "opt_in" and contains_word(lead, opt_out_words(extra_opt_out)):
        # "SUBSCRIBE? no, STOP": a false opt-in texts someone who asked not to be texted.
        return None
    return result
