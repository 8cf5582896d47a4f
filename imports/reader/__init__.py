"""Read an uploaded CSV or XLSX file as rows of text, streaming, in flat memory.

The reader knows nothing about phone numbers or models: it sniffs the file
type and encoding, refuses hostile or broken files with a sentence the user
can act on, and yields ``(row number, cells)``.
"""

from __future__ import annotations

from .cells import cell_to_text
from .columns import NO_PHONE_COLUMN_MESSAGE, detect_column
from .errors import ImportFileError
from .table import Table, count_rows, open_table, validate

__all__ = [
    "NO_PHONE_COLUMN_MESSAGE",
    "ImportFileError",
    "Table",
    "cell_to_text",
    "count_rows",
    "detect_column",
    "open_table",
    "validate",
]
