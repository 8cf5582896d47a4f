"""Bad bytes are input, not crashes (issue 12): the one rule for text that came from outside.

PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate cannot be encoded
to UTF-8 at all; either would turn a search or a save into a 500. Neither, nor
any other control character (an inbound STOP must never fail on one), carries
meaning in a name, a number or a message, so control characters are dropped
(tab, newline and carriage return kept) and lone surrogates replaced before any
view or service sees them (docs/decisions.md, issues 12 and 17).
"""

from __future__ import annotations

import re

# Unicode's control characters (category Cc: C0, DEL and C1), less tab, newline and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str | None) -> str:
    """``value`` as it may be stored: control characters but tab, newline and CR dropped, lone surrogates U+FFFD."""
    if not value:
        return ""
    return _SURROGATE.sub(REPLACEMENT, _CONTROL.sub("", value))


def is_clean(value: str) -> bool:
    """No NUL and no lone surrogate: what PostgreSQL and UTF-8 cannot hold (a path with one is a 400)."""
    return "\x00" not in value and not _SURROGATE.search(value)
