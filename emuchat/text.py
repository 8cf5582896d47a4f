"""Bad bytes are input, not crashes (issue 12): the one rule for text that came from outside.

PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate cannot be encoded
to UTF-8 at all; either would turn a search or a save into a 500. Neither
carries meaning in a name, a number or a message, so both are dropped/replaced
before any view sees them (docs/decisions.md, issue 12).
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """``value`` without NUL characters, lone surrogates replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _SURROGATE.sub(REPLACEMENT, value)


def is_clean(value: str) -> bool:
    return "\x00" not in value and not _SURROGATE.search(value)
