"""Open an uploaded file as a table of text: headers, then numbered rows."""

from __future__ import annotations

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
    _first_row: tuple[int, list[str]] = field(default=(2, []), repr=False)
    _rows: Records = field(default_factory=lambda: iter(()), repr=False)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)
    _last_row_declared: int | None = field(default=None, repr=False)
    _max_xlsx_uncompressed_bytes: int = field(default=MAX_XLSX_UNCOMPRESSED_BYTES, repr=False)
    _started: bool = field(default=False, repr=False)
    has_header: bool = True

    @cached_property
    def total_rows_estimate(self) -> int | None:
        """Roughly how many data rows follow the header, for a progress bar."""
        if self.kind == "csv":
            return count_csv_rows(self.path, read_head(self.path)) + (0 if self.has_header else 1)
        if self._last_row_declared is None:
            # No <dimension>: count the <row> tags instead, a quick pass with no parsing.
            return count_rows(self.path, max_xlsx_uncompressed_bytes=self._max_xlsx_uncompressed_bytes)
        return max(self._last_row_declared - self.header_row, 0)

    def rows(self) -> Records:
        """Yield ``(row number as the spreadsheet shows it, cells)``, one per non-blank row.

        Cells are stripped text, padded or cut to the header's width.
        """
        if self._started:
            raise RuntimeError("Table.rows() streams the file and can be iterated only once.")
        self._started = True
        width = len(self.headers)
        padding = [""] * width
        number, cells = self._first_row
        yield number, (cells + padding)[:width]
        for number, cells in self._rows:
            stripped = [cell.strip() for cell in cells]
            if any(stripped):
                if len(stripped) != width:
                    stripped = (stripped + padding)[:width]
                yield number, stripped

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
    has_header: bool = True,
) -> Table:
    """Open a CSV or XLSX file by its content, or raise ImportFileError saying why not.

    ``has_header=False`` reads the first row as data: the columns have no names.
    """
    path = Path(path)
    head = read_head(path)
    kind = sniff_kind(path, head)
    if kind == "csv":
        source = CsvSource(path, head)
        return _table(path, kind, source.records(), source.close, has_header=has_header)
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
        table = _table(path, kind, sheet.read(archive, parts.sheet), close, has_header=has_header)
        table._last_row_declared = dimension.last_row if dimension else None
        table._max_xlsx_uncompressed_bytes = max_xlsx_uncompressed_bytes
        return table
    except BaseException:
        close()
        raise


def _table(path: Path, kind: str, records: Records, close: Callable[[], None], *, has_header: bool = True) -> Table:
    """Read the header and peek at the first data row, so empty files fail at open."""
    try:
        header = _next_non_blank(records)
        if header is None:
            raise ImportFileError(errors.EMPTY)
        first = _next_non_blank(records) if has_header else header
        if first is None:
            raise ImportFileError(errors.HEADER_ONLY)
    except BaseException:
        close()
        raise
    header_row, headers = header
    headers = list(headers)
    while headers and not headers[-1]:
        headers.pop()  # trailing empty header cells come from stray delimiters or formatting
    if not has_header:
        # No names: the columns are known by letter (mapping.column_label), and row 1 is data.
        return Table(
            kind=kind,
            headers=[""] * len(headers),
            path=path,
            header_row=header_row - 1,
            has_header=False,
            _first_row=first,
            _rows=records,
            _close=close,
        )
    return Table(
        kind=kind,
        headers=headers,
        path=path,
        header_row=header_row,
        _first_row=first,
        _rows=records,
        _close=close,
    )


def _next_non_blank(records: Records) -> tuple[int, list[str]] | None:
    """The next row with something in it, cells stripped; blank rows keep their numbers."""
    for number, cells in records:
        stripped = [cell.strip() for cell in cells]
        if any(stripped):
            return number, stripped
    return None


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
