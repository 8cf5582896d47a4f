"""CSV files we hand back to people: UTF-8 with a BOM, formulas neutralised."""

from __future__ import annotations

# OWASP "CSV injection": a cell starting with one of these is run as a formula
# by spreadsheet apps; a leading apostrophe makes it plain text.
FORMULA_START = frozenset("=+-@\t\r\n")
ENCODING = "utf-8-sig"  # the BOM makes Excel read UTF-8 instead of the local code page


def neutralise(text: str) -> str:
    return "'" + text if text and text[0] in FORMULA_START else text
