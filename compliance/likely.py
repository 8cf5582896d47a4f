"""Spotting replies that read like "stop texting me" but match no keyword (the review queue).

Deliberately simple and transparent: a short list of phrase rules, each with
a name shown to the member who reviews the flag. A flag never opts anyone out
by itself; a member decides. The rules run on the folded text (lower case, no
accents, curly apostrophes made straight, spaces collapsed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from optouts.keywords import fold, normalize, starts_with_any

# "can't stop smiling", "won't stop", "never stop": stopping that isn't about our texts.
_NOT_NEGATED = r"(?<!can't )(?<!cant )(?<!cannot )(?<!couldn't )(?<!won't )(?<!don't )(?<!never )(?<!non-)(?<!non )"
# "stop by tomorrow?", "stop at the store", "stop over": stopping somewhere.
_NOT_A_VISIT = r"(?!\s+(?:by|at|in|over|off|for|and|on|to|there|here|the)\b)"
# The carrier words match only as the whole message; a longer text starting with one is for a person to read.
_CARRIER_WORD = r"(?:stopall|end|cancel|quit|revoke|optout|opt\s*-?\s*out)"
_OPT_IN_WORD = r"(?:subscribe|start|yes|unstop|resume)"
_OPT_OUT_WORD = r"(?:stop|unsubscribe|stopall|quit|revoke|optout|opt\s*-?\s*out)"


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    pattern: re.Pattern[str]
    example: str


def _rule(name: str, label: str, pattern: str, example: str) -> Rule:
    return Rule(name, label, re.compile(pattern), example)


RULES: tuple[Rule, ...] = (
    _rule(
        "stop_texting",
        "asks to stop texting",
        _NOT_NEGATED + r"\bstop\s+(?:texting|txting|messaging|msging|sending|contacting|emailing|calling)\b",
        "please stop texting me",
    ),
    _rule(
        "remove_me",
        "asks to be removed",
        r"\b(?:remove|delete|unlist)\s+(?:me|my\s+(?:number|phone|#|cell|details|info))\b(?!\s+(?:as|a|an)\b)",
        "remove me from your list",
    ),
    _rule(
        "do_not_text",
        "says don't text",
        r"\b(?:don't|dont|do\s+not|never|no\s+more)\s+(?:text|txt|message|msg|sms|contact)(?:ing)?\s*(?:me|us|this|again|$)",
        "don't text me",
    ),
    _rule(
        "wrong_number",
        "says wrong number",
        r"\bwrong\s+(?:number|#|person|phone)\b",
        "wrong number, stop",
    ),
    _rule(
        "unsubscribe_words",
        "mentions unsubscribing or opting out",
        r"\b(?:unsubscribe|opt\s*-?\s*out|opt\s+me\s+out|stop\s+all|take\s+me\s+off)\b",
        "Please unsubscribe me",
    ),
    _rule(
        "please_stop",
        "asks to stop",
        _NOT_NEGATED
        + r"\b(?:please|pls|plz|can\s+you|could\s+you|would\s+you|kindly|just|i\s+said|now)\s+stop\b"
        + _NOT_A_VISIT,
        "Can you stop",
    ),
    _rule(
        "ends_with_stop",
        "ends with STOP",
        r"(?:^|[,.;:!?\-]\s*)stop[\s.!]*$",
        "who is this? stop",
    ),
    _rule(
        "starts_with_opt_out_word",
        "starts with an opt-out word",
        r"^\W*" + _CARRIER_WORD + r"\b",
        "Cancel my 3pm appointment",
    ),
    _rule(
        "opt_in_and_opt_out",
        "says both yes and stop",
        r"^\W*" + _OPT_IN_WORD + r"\b.*\b" + _OPT_OUT_WORD + r"\b",
        "YES STOP",
    ),
    _rule(
        "no_more_texts",
        "asks for no more texts",
        r"\b(?:no\s+more|enough|too\s+many)\s+(?:texts|messages|msgs|sms)\b|\bleave\s+me\s+alone\b",
        "no more texts please",
    ),
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def _prepare(text: str) -> str:
    folded = fold(normalize(text or "")).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(folded.split())


def likely_opt_out(text: str, *, extra_opt_out: Iterable[str] = ()) -> Rule | None:
    """The first rule that ``text`` matches, or None. Pure; no database.

    ``extra_opt_out`` are the workspace's own and pack words: like the carrier
    words, a longer text that starts with one of them is flagged.
    """
    prepared = _prepare(text)
    if not prepared:
        return None
    for rule in RULES:
        if rule.pattern.search(prepared):
            return rule
    if starts_with_any(text, extra_opt_out):
        return RULES_BY_NAME["starts_with_opt_out_word"]
    return None
