"""Stream the records of a CSV file, decoding as it goes."""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator

from . import errors
from .errors import ImportFileError
from .sniff import HEAD_BYTES, sniff_delimiter, sniff_encoding

# Undecodable bytes become this lone surrogate, which no correctly decoded
# text contains, so the row holding them can be named exactly rather than
# failing wherever the decoder's read-ahead happens to be.
_UNDECODABLE = "\udc00"
_MARK_ERRORS = "imports.reader.mark_undecodable"
codecs.register_error(_MARK_ERRORS, lambda error: (_UNDECODABLE, error.end))

# csv.reader pulls whole lines; this caps the memory one hostile line can take.
MAX_LINE_CHARS = 1024 * 1024
_READ_BYTES = 1024 * 1024
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


class _LineTooLong(Exception):
    pass


class CsvSource:
    """An open CSV file: its encoding and delimiter, and its records on demand."""

    def __init__(self, path: str | os.PathLike[str], head: bytes) -> None:
        self.encoding = sniff_encoding(head, whole_file=len(head) < HEAD_BYTES)
        sample = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(head)
        self.delimiter = sniff_delimiter(sample)
        binary = open(path, "rb")  # closed by close()
        # newline="" hands line breaks inside quoted cells to csv untouched.
        self._text = io.TextIOWrapper(binary, encoding=self.encoding, errors=_MARK_ERRORS, newline="")

    def close(self) -> None:
        self._text.close()

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(row number, cells)``; a quoted cell spanning lines is still one row."""
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        row = 0
        try:
            for row, record in enumerate(reader, start=1):
                joined = "".join(record)
                if not joined.isascii() and _UNDECODABLE in joined:
                    name = _ENCODING_NAMES[self.encoding]
                    raise ImportFileError(errors.UNDECODABLE_ROW.format(row=row, encoding=name))
                if "\x00" in joined:
                    raise ImportFileError(errors.NUL_IN_ROW.format(row=row))
                yield row, record
        except _LineTooLong as error:
            raise ImportFileError(errors.LINE_TOO_LONG.format(row=row + 1, limit=MAX_LINE_CHARS)) from error
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                message = errors.CELL_TOO_LONG.format(row=row + 1, limit=csv.field_size_limit())
            else:
                message = errors.BAD_CSV_ROW.format(row=row + 1, detail=error)
            raise ImportFileError(message) from error

    def _lines(self) -> Iterator[str]:
        readline = self._text.readline
        while line := readline(MAX_LINE_CHARS):
            if len(line) == MAX_LINE_CHARS and line[-1] not in "\r\n":
                raise _LineTooLong
            yield line


def count_csv_rows(path: str | os.PathLike[str], head: bytes) -> int:
    """Count data rows by counting line breaks in the raw bytes (fast, approximate).

    Quoted cells containing line breaks and blank lines make it overcount a
    little, which is fine for a progress bar.
    """
    if head.startswith(codecs.BOM_UTF16_LE):
        lf, cr = "\n".encode("utf-16-le"), "\r".encode("utf-16-le")
    elif head.startswith(codecs.BOM_UTF16_BE):
        lf, cr = "\n".encode("utf-16-be"), "\r".encode("utf-16-be")
    else:
        lf, cr = b"\n", b"\r"
    line_feeds = carriage_returns = 0
    last = b""
    with open(path, "rb") as file:
        # An even chunk size keeps UTF-16 code units from straddling chunks.
        while chunk := file.read(_READ_BYTES):
            line_feeds += chunk.count(lf)
            carriage_returns += chunk.count(cr)
            last = chunk
    breaks = line_feeds or carriage_returns  # old Mac files end lines with CR only
    lines = breaks + (0 if last.endswith((lf, cr)) else 1)
    return max(lines - 1, 0)
