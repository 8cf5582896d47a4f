"""A contacts import's consent column (SPEC §13): rows marked yes get a consent record with the import as source.

Found by its header only ("Consent", "SMS consent", "Opted in"…), so the
Map step needs no new choice; the column is shown there when found.
"""

from __future__ import annotations

import re
import unicodedata

HEADERS = (
    "consent",
    "sms consent",
    "text consent",
    "texting consent",
    "marketing consent",
    "consented",
    "opted in",
    "opt in",
    "sms opt in",
    "text opt in",
    "subscribed",
)
YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔", "opted in", "opt in", "subscribed", "consented", "agreed"})
_NOT_ALNUM = re.compile(r"[^0-9a-z✓✔]+")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").lower()
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(_NOT_ALNUM.split(text)).strip()


def consent_column(headers: list[str], *, taken: tuple[int | None, ...] = ()) -> int | None:
    """The index of the column headed like a consent column, not one of ``taken``, or None."""
    plain = [_plain(header) for header in headers]
    for name in HEADERS:
        for index, header in enumerate(plain):
            if header == name and index not in taken:
                return index
    return None


def is_yes(value: str) -> bool:
    """A cell that says the person consented: yes, y, true, 1, x, ✓ …; blank or anything else does not."""
    return _plain(value) in YES or (value or "").strip() in YES
