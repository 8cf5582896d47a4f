"""A workspace's keywords beyond the defaults: packs plus its own words, and the rules for adding them.

Pure functions; the matcher itself is ``optouts.keywords.match_keyword``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from optouts.keywords import CARRIER_OPT_OUT, DEFAULT_KEYWORDS, fold

from .packs import PACKS, PACKS_BY_ID, Pack

__all__ = ["PACKS", "PACKS_BY_ID", "Keywords", "Pack", "clean_word", "conflict", "default_words", "keywords_from"]

MAX_WORD_LENGTH = 30
# One or two words of letters and digits (any script): "OPT OUT", "ARRÊT".
_WORD = re.compile(r"^[^\W_]+(?: [^\W_]+)?$")


@dataclass(frozen=True)
class Keywords:
    opt_out: tuple[str, ...] = ()
    opt_in: tuple[str, ...] = ()


def keywords_from(*, packs: Iterable[str], custom_opt_out: Iterable[str], custom_opt_in: Iterable[str]) -> Keywords:
    """Every extra word a workspace matches, deduplicated, packs first."""
    opt_out: list[str] = []
    opt_in: list[str] = []
    for pack_id in packs:
        pack = PACKS_BY_ID.get(pack_id)
        if pack is not None:
            opt_out += pack.opt_out
            opt_in += pack.opt_in
    opt_out += custom_opt_out
    opt_in += custom_opt_in
    return Keywords(opt_out=tuple(dict.fromkeys(opt_out)), opt_in=tuple(dict.fromkeys(opt_in)))


def clean_word(raw: str) -> str:
    """A member's keyword as stored: upper case, single spaces. Raises ValueError with a readable reason."""
    # Hyphens and underscores count as spaces, as in matching: "opt-out" is OPT OUT.
    word = " ".join(re.sub(r"[_\-]+", " ", raw).split()).upper()
    if not word:
        raise ValueError("A keyword can't be empty.")
    if len(word) > MAX_WORD_LENGTH:
        raise ValueError(f"“{word}” is too long: a keyword is at most {MAX_WORD_LENGTH} characters.")
    if not _WORD.match(word):
        raise ValueError(f"“{word}” must be one or two words of letters or digits, like OPT OUT.")
    return word


def _leads_with(longer: str, shorter: str) -> bool:
    """``longer`` (folded) is ``shorter`` or begins with it as whole words."""
    return longer == shorter or longer.startswith(shorter + " ")


def conflict(word: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that would fight ``word`` for the same texts, or None.

    Equal words (ignoring case and accents) conflict, and so does a word that
    begins with another as a whole word ("YES STOP" and "YES"): whichever kind
    won, one of the two could never take effect.
    """
    folded = " ".join(fold(word).split())
    for other in others:
        other_folded = " ".join(fold(other).split())
        if _leads_with(folded, other_folded) or _leads_with(other_folded, folded):
            return other
    return None


def default_words(kind: str) -> tuple[str, ...]:
    """The always-on words of a kind: the article's, then (for opt-out) the carriers'."""
    words = tuple(word for word, result in DEFAULT_KEYWORDS if result == kind)
    return words + CARRIER_OPT_OUT if kind == "opt_out" else words
