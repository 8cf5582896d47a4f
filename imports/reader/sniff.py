"""Decide what a file is from its bytes, never from its name."""

from __future__ import annotations

import codecs
import csv
import os
import zipfile

from . import errors
from .errors import ImportFileError

HEAD_BYTES = 64 * 1024
_SNIFF_CHARS = 8 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted .xlsx
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_NOT_TEXT = (  # common uploads by mistake whose first bytes might still decode as text
    b"%PDF-",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"{\\rtf",
)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XLSX_MEMBERS = frozenset({"[Content_Types].xml", "xl/workbook.xml"})
# Tab, line breaks, form feed, vertical tab (Excel for Mac line breaks in a cell)
# and Ctrl-Z (old DOS end-of-file mark) do turn up in real CSV files.
_CONTROL = frozenset(chr(code) for code in range(32)) - {"\t", "\n", "\r", "\f", "\v", "\x1a"}


def read_head(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as file:
        return file.read(HEAD_BYTES)


def sniff_kind(path: str | os.PathLike[str], head: bytes) -> str:
    """Return ``"csv"`` or ``"xlsx"``, or raise ImportFileError for anything else."""
    if not head:
        raise ImportFileError(errors.EMPTY)
    if head.startswith(_OLE2):
        raise ImportFileError(errors.LEGACY_XLS)
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ImportFileError(errors.DAMAGED_ZIP) from error
        if _XLSX_MEMBERS <= names:
            return "xlsx"
        raise ImportFileError(errors.NOT_CSV_OR_XLSX)
    if head.startswith(_NOT_TEXT):
        raise ImportFileError(errors.NOT_CSV_OR_XLSX)
    return "csv"


def sniff_encoding(head: bytes, *, whole_file: bool) -> str:
    """Return the codec to read a text file with, judged from its first bytes.

    ``whole_file`` says ``head`` is the entire file, so a multi-byte character
    cut off at its end is an error rather than the start of the next chunk.
    """
    if head.startswith(_UTF32_BOMS):  # before UTF-16: FF FE 00 00 starts with FF FE
        raise ImportFileError(errors.UNSUPPORTED_ENCODING)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith(_UTF16_BOMS):
        encoding = "utf-16"  # the codec reads the BOM to pick the byte order
    elif b"\x00" in head:
        raise ImportFileError(_nul_message(head))
    elif _decodes(head, "utf-8", whole_file=whole_file):
        encoding = "utf-8"
    elif _decodes(head, "cp1252", whole_file=whole_file):
        # Only when the bytes are not UTF-8: valid UTF-8 is almost never
        # meaningful Windows-1252, while the reverse is common.
        encoding = "cp1252"
    else:
        raise ImportFileError(errors.UNSUPPORTED_ENCODING)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    if not _looks_like_text(sample):
        raise ImportFileError(errors.NOT_CSV_OR_XLSX)
    return encoding


def _decodes(head: bytes, encoding: str, *, whole_file: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(head, final=whole_file)
    except UnicodeDecodeError:
        return False
    return True


def _nul_message(head: bytes) -> str:
    # UTF-16 of mostly-ASCII text has a NUL in every other byte.
    even, odd = head[0::2], head[1::2]
    if even.count(0) > len(even) * 0.4 or odd.count(0) > len(odd) * 0.4:
        return errors.UTF16_WITHOUT_BOM
    return errors.NOT_CSV_OR_XLSX


def _looks_like_text(sample: str) -> bool:
    """A CSV has (almost) no control characters; binary data has plenty."""
    if not sample:
        return True
    controls = sum(1 for char in sample if char in _CONTROL)
    return controls <= max(2, len(sample) // 100)


def sniff_delimiter(sample: str) -> str:
    """Return ``","``, ``";"`` or ``"\\t"`` for the CSV text that starts with ``sample``."""
    lines = sample[:_SNIFF_CHARS].splitlines()
    if len(sample) > _SNIFF_CHARS and len(lines) > 1:
        lines.pop()  # the last line is probably cut short
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        # A one-column file has no delimiter at all; comma reads it correctly.
        return ","
