"""Spreadsheet cell values as the text the importer sees."""

from __future__ import annotations

import datetime as dt


def cell_to_text(value: object) -> str:
    """Return the text of one XLSX cell value, without guessing or "fixing" it.

    A number Excel stored as a number comes back as digits when it is a whole
    number: ``447911123456`` and ``447911123456.0`` both give ``"447911123456"``.
    If the user typed ``4.47911E+11`` Excel stored 447911000000.0, which is
    indistinguishable from a number typed in full, so it is passed on as
    ``"447911000000"`` too; the lost digits cannot be recovered here.
    """
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()
