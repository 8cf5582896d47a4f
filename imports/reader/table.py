"""Open an uploaded file as a table of text: headers, then numbered rows."""

from __future__ import annotations

import itertools
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType

from . import errors
from .csv_source import CsvSource, count_csv_rows
from .errors import ImportFileError
from .sniff import read_head, sniff_kind
from .xlsx_package import (
    check_cells,
    open_archive,
    read_dimension,
    read_number_styles,
    read_workbook,
)
from .xlsx_sheet import SharedStrings, SheetRows

MAX_XLSX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_XLSX_CELLS = 50_000_000
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")

Records = Iterator[tuple[int, list[str]]]


@dataclass(eq=False)
class Table:
    """An opened file. Iterate :meth:`rows` once; close it (or use ``with``)."""

    kind: str  # "csv" | "xlsx"
    headers: list[str]
    path: Path
    header_row: int = 1
    _rows: Records = field(default_factory=lambda: iter(()), repr=False)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)
    _last_row_declared: int | None = field(default=None, repr=False)

    @cached_property
    def total_rows_estimate(self) -> int | None:
        """Roughly how many data rows follow the header, for a progress bar."""
        if self.kind == "csv":
            return count_csv_rows(self.path, read_head(self.path))
        if self._last_row_declared is None:
            return count_rows(self.path)  # no <dimension>: count <row> tags instead
        return max(self._last_row_declared - self.header_row, 0)

    def rows(self) -> Records:
        """Yield ``(row number as the spreadsheet shows it, cells)``, one per non-blank row.

        Cells are stripped text, padded or cut to the header's width.
        """
        width = len(self.headers)
        for number, cells in self._rows:
            if len(cells) != width:
                cells = (cells + [""] * width)[:width]
            yield number, cells

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_table(
    path: str | os.PathLike[str],
    *,
    max_xlsx_uncompressed_bytes: int = MAX_XLSX_UNCOMPRESSED_BYTES,
    max_xlsx_cells: int = MAX_XLSX_CELLS,
) -> Table:
    """Open a CSV or XLSX file by its content, or raise ImportFileError saying why not."""
    path = Path(path)
    head = read_head(path)
    kind = sniff_kind(path, head)
    if kind == "csv":
        source = CsvSource(path, head)
        return _table(path, kind, source.records(), source.close, last_row=None)
    archive = open_archive(path, max_uncompressed_bytes=max_xlsx_uncompressed_bytes)
    shared: SharedStrings | None = None

    def close() -> None:
        if shared is not None:
            shared.close()
        archive.close()

    try:
        parts = read_workbook(archive)
        dimension = read_dimension(archive, parts.sheet)
        check_cells(dimension, max_cells=max_xlsx_cells)
        shared = SharedStrings(archive, parts.shared_strings)
        sheet = SheetRows(shared, read_number_styles(archive, parts.styles), date1904=parts.date1904)
        last_row = dimension.last_row if dimension else None
        return _table(path, kind, sheet.read(archive, parts.sheet), close, last_row=last_row)
    except BaseException:
        close()
        raise


def _table(
    path: Path, kind: str, records: Records, close: Callable[[], None], *, last_row: int | None
) -> Table:
    """Read the header and peek at the first data row, so empty files fail at open."""
    try:
        rows = _non_blank(records)
        header_row, headers = next(rows, (0, []))
        if not headers:
            raise ImportFileError(errors.EMPTY)
        first = next(rows, None)
        if first is None:
            raise ImportFileError(errors.HEADER_ONLY)
    except BaseException:
        close()
        raise
    while headers and not headers[-1]:
        headers.pop()  # trailing empty header cells come from stray delimiters or formatting
    return Table(
        kind=kind,
        headers=headers,
        path=path,
        header_row=header_row,
        _rows=itertools.chain([first], rows),
        _close=close,
        _last_row_declared=last_row,
    )


def _non_blank(records: Records) -> Records:
    """Strip every cell and drop rows with nothing in them, keeping their numbers."""
    for number, cells in records:
        stripped = [cell.strip() for cell in cells]
        if any(stripped):
            yield number, stripped


def validate(
    path: str | os.PathLike[str],
    *,
    max_xlsx_uncompressed_bytes: int = MAX_XLSX_UNCOMPRESSED_BYTES,
    max_xlsx_cells: int = MAX_XLSX_CELLS,
) -> None:
    """Read the whole file once, raising ImportFileError for anything the import would hit."""
    with open_table(
        path,
        max_xlsx_uncompressed_bytes=max_xlsx_uncompressed_bytes,
        max_xlsx_cells=max_xlsx_cells,
    ) as table:
        for _ in table.rows():
            pass


def count_rows(
    path: str | os.PathLike[str],
    *,
    max_xlsx_uncompressed_bytes: int = MAX_XLSX_UNCOMPRESSED_BYTES,
) -> int:
    """Roughly count the data rows (excluding the header) without parsing the file."""
    head = read_head(path)
    if sniff_kind(path, head) == "csv":
        return count_csv_rows(path, head)
    with open_archive(path, max_uncompressed_bytes=max_xlsx_uncompressed_bytes) as archive:
        sheet = read_workbook(archive).sheet
        dimension = read_dimension(archive, sheet)
        if dimension is not None:
            return max(dimension.last_row - dimension.first_row, 0)
        return max(_count_row_tags(archive, sheet) - 1, 0)


def _count_row_tags(archive: zipfile.ZipFile, sheet: str) -> int:
    count = 0
    tail = b""
    try:
        with archive.open(sheet) as stream:
            while chunk := stream.read(1024 * 1024):
                window = tail + chunk
                matches = list(_ROW_TAG.finditer(window))
                count += len(matches)
                # Carry over a tag cut by the chunk boundary, never one already counted.
                keep_from = max(len(window) - 32, matches[-1].end() if matches else 0)
                tail = window[keep_from:]
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail="the sheet is corrupt")) from error
    return count
