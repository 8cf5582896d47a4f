"""The Map step: which column holds what, and each row as it will be stored."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from emuchat import phones

from .reader import NO_PHONE_COLUMN_MESSAGE, ImportFileError, Table, detect_column, open_table
from .reader.errors import HEADER_ONLY
from .reader.xlsx_package import column_index

PREVIEW_ROWS = 10
# Rows looked at to find a phone column by its content when no header says so.
_CONTENT_SCAN_ROWS = 50
_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")
_validate_email = EmailValidator()
# Lists repeat numbers, written the same way: a bounded cache skips phonenumbers for those.
_parse_number = functools.lru_cache(maxsize=32_768)(phones.parse)


def open_upload(path: str | os.PathLike[str], *, has_header: bool = True) -> Table:
    return open_table(
        path,
        max_xlsx_uncompressed_bytes=settings.IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES,
        max_xlsx_cells=settings.IMPORT_MAX_XLSX_CELLS,
        has_header=has_header,
    )


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_label(headers: list[str], index: int | None) -> str:
    if index is None or index >= len(headers):
        return ""
    header = headers[index].strip()
    return header or f"Column {column_letter(index)}"


def resolve_column(headers: list[str], reference: str) -> int | None:
    """A column named by its header (any case), its number from 1, or its letter (B, AA)."""
    wanted = reference.strip().casefold()
    if not wanted:
        return None
    for index, header in enumerate(headers):
        if header.strip().casefold() == wanted:
            return index
    if wanted.isdigit() and 1 <= int(wanted) <= len(headers):
        return int(wanted) - 1
    if _LETTERS.match(wanted) and (index := column_index(wanted.upper())) < len(headers):
        return index
    return None


@dataclass(frozen=True)
class Columns:
    phone: int
    name: int | None = None
    email: int | None = None
    consent: int | None = None  # contacts only, found by its header (contacts/consent_import.py)


@dataclass(frozen=True)
class StagedRow:
    """One data row as the import will treat it: an E.164 number, or the problem."""

    number: int
    phone: str
    value: str  # what the invalid-rows file shows: the cell at fault
    problem: str
    name: str = ""
    email: str = ""
    raw: str = ""  # the phone cell as written
    consent: str = ""  # the consent cell, when the file has a consent column


class RowReader:
    """Turns ``(row number, cells)`` into a StagedRow; the preview and the import share it."""

    def __init__(self, columns: Columns, region: str, *, contacts: bool) -> None:
        self.columns, self.region, self.contacts = columns, region, contacts

    def __call__(self, number: int, cells: list[str]) -> StagedRow:
        raw = cells[self.columns.phone] if self.columns.phone < len(cells) else ""
        e164, problem = _parse_number(raw, self.region)
        if not self.contacts:
            return StagedRow(number, e164 or "", "" if e164 else raw, problem, raw=raw)
        name = self._cell(cells, self.columns.name)[:200]
        email = self._cell(cells, self.columns.email)
        if e164 and email:
            try:
                _validate_email(email)
            except ValidationError:
                return StagedRow(number, "", email, f"“{email}” is not a valid email address.", name, email, raw)
        consent = self._cell(cells, self.columns.consent)
        return StagedRow(number, e164 or "", "" if e164 else raw, problem, name, email, raw, consent)

    @staticmethod
    def _cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""


@dataclass
class Inspection:
    """What the Map step shows: the file's columns, the guesses, the first rows."""

    file_kind: str
    headers: list[str]
    columns: Columns
    head: list[tuple[int, list[str]]]
    has_header: bool = True

    @property
    def choices(self) -> list[tuple[str, str]]:
        """Column choices for a form: value = column number from 1."""
        return [(str(i + 1), column_label(self.headers, i)) for i in range(len(self.headers))]


def read_head(
    path: str | os.PathLike[str], *, has_header: bool = True
) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """The file's kind, headers and first rows."""
    with open_upload(path, has_header=has_header) as table:
        return table.kind, table.headers, list(islice(table.rows(), _CONTENT_SCAN_ROWS))


def inspect(path: str | os.PathLike[str], *, contacts: bool, region: str, phone_column: str = "") -> Inspection:
    """Open the upload, find its columns, or raise ImportFileError with the reason."""
    try:
        file_kind, headers, head = read_head(path)
    except ImportFileError as error:
        # A file of one number and nothing else is one data row, not a header.
        if error.message != HEADER_ONLY:
            raise
        file_kind, headers, head = read_head(path, has_header=False)
        if phone_column:
            phone = resolve_column(headers, phone_column)
        else:
            phone = _phone_column_by_content(headers, head, region)
        if phone is None:
            raise
        return Inspection(file_kind, headers, Columns(phone), head, has_header=False)
    if phone_column:
        phone = resolve_column(headers, phone_column)
        if phone is None:
            raise ImportFileError(
                f"This file has no column “{phone_column}”. Its columns are: "
                + ", ".join(column_label(headers, i) for i in range(len(headers)))
                + "."
            )
    else:
        phone = detect_column(headers, "phone")
        if phone is None:
            phone = _phone_column_by_content(headers, head, region)
    if phone is None:
        raise ImportFileError(NO_PHONE_COLUMN_MESSAGE)
    if phone < len(headers) and phones.parse(headers[phone], region)[0]:
        # The "header" of the phone column is itself a number (one column of numbers,
        # as several SMS tools export): the file has no header row, and row 1 is data.
        file_kind, headers, head = read_head(path, has_header=False)
        return Inspection(file_kind, headers, Columns(phone), head, has_header=False)
    name = email = None
    if contacts:
        name = _other(detect_column(headers, "name"), phone)
        email = _other(detect_column(headers, "email"), phone)
    return Inspection(file_kind, headers, Columns(phone, name, email), head)


def _other(index: int | None, phone: int) -> int | None:
    return None if index == phone else index


def _phone_column_by_content(headers: list[str], head: list[tuple[int, list[str]]], region: str) -> int | None:
    """The column where most of the first rows are valid numbers, for files with unhelpful headers."""
    best, best_valid = None, 0
    for index in range(len(headers)):
        values = [cells[index] for _, cells in head if index < len(cells) and cells[index]]
        valid = sum(1 for value in values if phones.parse(value, region)[0])
        if values and valid * 2 > len(values) and valid > best_valid:
            best, best_valid = index, valid
    return best


def preview(inspection: Inspection, columns: Columns, *, region: str, contacts: bool) -> list[StagedRow]:
    read = RowReader(columns, region, contacts=contacts)
    return [read(number, cells) for number, cells in inspection.head[:PREVIEW_ROWS]]


@dataclass(frozen=True)
class PreviewRow:
    """A preview line: the row, its number as the lists show it, and what the import will do with it."""

    row: StagedRow
    display: str  # "+1 201-555-4098", as the Opt-Outs and Contacts lists write it
    duplicate_of: int | None = None  # the earlier row of the file with the same number
    existing: bool = False  # already on the list (or already a contact): skipped

    @property
    def skipped(self) -> bool:
        return not self.row.phone or self.duplicate_of is not None or self.existing


def flag_preview(rows: list[StagedRow], *, existing: set[str]) -> list[PreviewRow]:
    """Mark each previewed row the way the import will count it: duplicate, already there, or added."""
    first: dict[str, int] = {}
    flagged = []
    for row in rows:
        if not row.phone:
            flagged.append(PreviewRow(row, ""))
            continue
        earlier = first.setdefault(row.phone, row.number)
        duplicate_of = earlier if earlier != row.number else None
        display = phones.format_international(row.phone)
        flagged.append(PreviewRow(row, display, duplicate_of, duplicate_of is None and row.phone in existing))
    return flagged
