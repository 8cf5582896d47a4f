"""Check an XLSX zip before parsing it, and find its first worksheet.

Everything here reads the zip's directory or small XML parts only; the
sheet's rows are streamed by :mod:`.xlsx_sheet`.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

from . import errors
from .errors import ImportFileError

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML"
)
_REL_TYPE_WORKSHEET = "/worksheet"
_REL_TYPE_SHARED_STRINGS = "/sharedStrings"
_REL_TYPE_STYLES = "/styles"

# A real sheet's XML compresses 5-20:1; only a crafted member gets past 100:1
# at a size where the ratio matters.
_BOMB_RATIO = 100
_BOMB_MIN_BYTES = 10 * 1024 * 1024
_PART_MAX_BYTES = 64 * 1024 * 1024  # workbook.xml, rels, styles: small in real files
_DIMENSION_SCAN_BYTES = 64 * 1024
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_ZEROS_FORMAT = re.compile(r"0{2,}")
_ENCRYPTED_FLAG = 0x1
MAX_COLUMNS = 16384  # Excel's limit, column XFD


@dataclass(frozen=True)
class Dimension:
    first_row: int
    last_row: int
    columns: int

    @property
    def cells(self) -> int:
        return (self.last_row - self.first_row + 1) * self.columns


@dataclass(frozen=True)
class WorkbookParts:
    sheet: str
    shared_strings: str | None
    styles: str | None
    date1904: bool


def open_archive(path: str | os.PathLike[str], *, max_uncompressed_bytes: int) -> zipfile.ZipFile:
    """Open the zip and refuse it, from its directory alone, if unpacking it is unsafe."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ImportFileError(errors.DAMAGED_ZIP) from error
    try:
        check_archive(archive, max_uncompressed_bytes=max_uncompressed_bytes)
    except ImportFileError:
        archive.close()
        raise
    return archive


def check_archive(archive: zipfile.ZipFile, *, max_uncompressed_bytes: int) -> None:
    # Declared sizes can be trusted for our own reads: zipfile stops at the
    # declared size and fails the CRC check if a member tries to unpack further.
    members = archive.infolist()
    if any(member.flag_bits & _ENCRYPTED_FLAG for member in members):
        raise ImportFileError(errors.ENCRYPTED_XLSX)
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise ImportFileError(
            errors.TOO_LARGE_UNPACKED.format(size=_megabytes(total), limit=_megabytes(max_uncompressed_bytes))
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _BOMB_MIN_BYTES and ratio > _BOMB_RATIO:
            raise ImportFileError(errors.ZIP_BOMB)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f}"


def member_name(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member called ``name``; part names are case-insensitive in OOXML."""
    names = archive.namelist()
    if name in names:
        return name
    lowered = name.lower()
    return next((candidate for candidate in names if candidate.lower() == lowered), None)


def parse_part(archive: zipfile.ZipFile, name: str) -> Element:
    """Parse a small XML part with defusedxml: no DTDs, no entity expansion."""
    if archive.getinfo(name).file_size > _PART_MAX_BYTES:
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail=f"{name} is unusually large"))
    try:
        data = archive.read(name)
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ImportFileError(errors.HOSTILE_XML) from error
    except ParseError as error:
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail=f"{name} is not valid XML")) from error
    except (zipfile.BadZipFile, EOFError, OSError) as error:  # CRC mismatch, truncated data
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail=f"{name} is corrupt")) from error


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attribute(element: Element, local_name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """``{rId: (type, member name)}`` for the internal relationships of ``part``."""
    folder, filename = posixpath.split(part)
    rels_name = member_name(archive, posixpath.join(folder, "_rels", filename + ".rels"))
    if rels_name is None:
        return {}
    relationships = {}
    for rel in parse_part(archive, rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        relationships[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return relationships


def read_workbook(archive: zipfile.ZipFile) -> WorkbookParts:
    """Find the first visible worksheet and the parts needed to read its cells."""
    workbook_name = member_name(archive, "xl/workbook.xml") or "xl/workbook.xml"
    root = parse_part(archive, workbook_name)
    relationships = _relationships(archive, workbook_name)
    sheets: list[tuple[str, bool]] = []
    date1904 = False
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            rel_type, target = relationships.get(_attribute(element, "id") or "", ("", ""))
            if rel_type.endswith(_REL_TYPE_WORKSHEET) and member_name(archive, target):
                hidden = element.get("state", "visible") != "visible"
                sheets.append((member_name(archive, target) or target, hidden))
    if not sheets:
        raise ImportFileError(errors.NO_WORKSHEET)
    # Import what the user sees first; a hidden first sheet is usually lookup data.
    sheet = next((name for name, hidden in sheets if not hidden), sheets[0][0])

    def part_of_type(suffix: str) -> str | None:
        for rel_type, target in relationships.values():
            if rel_type.endswith(suffix):
                return member_name(archive, target)
        return None

    return WorkbookParts(
        sheet=sheet,
        shared_strings=part_of_type(_REL_TYPE_SHARED_STRINGS),
        styles=part_of_type(_REL_TYPE_STYLES),
        date1904=date1904,
    )


def read_dimension(archive: zipfile.ZipFile, sheet: str) -> Dimension | None:
    """The sheet's declared ``<dimension ref="A1:E100">``, read from its first bytes.

    It is only the writer's claim, so it sizes progress bars and rejects
    absurd declarations; the streaming reader never relies on it.
    """
    try:
        with archive.open(sheet) as stream:
            head = stream.read(_DIMENSION_SCAN_BYTES)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail="the sheet is corrupt")) from error
    match = _DIMENSION.search(head)
    if match is None or match.group(3) is None:
        return None  # a bare "A1" says nothing about the size
    first_col, first_row, last_col, last_row = (group.decode() for group in match.groups())
    columns = column_index(last_col) - column_index(first_col) + 1
    return Dimension(first_row=int(first_row), last_row=int(last_row), columns=max(columns, 1))


def column_index(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def check_cells(dimension: Dimension | None, *, max_cells: int) -> None:
    if dimension is not None and dimension.cells > max_cells:
        raise ImportFileError(errors.TOO_MANY_CELLS.format(cells=dimension.cells, limit=max_cells))


@dataclass(frozen=True)
class NumberStyle:
    kind: str  # "date" | "duration" | "zeros"
    width: int = 0  # for "zeros": the digits the format pads to


def read_number_styles(archive: zipfile.ZipFile, styles: str | None) -> dict[int, NumberStyle]:
    """``{cell style index: NumberStyle}`` for styles that change what a number means.

    Excel stores dates as day counts, and only the cell's number format says
    so. A format of only zeros (``00000000000``) is how people keep the
    leading 0 of phone numbers typed as numbers: it is part of what they see.
    """
    if styles is None:
        return {}
    root = parse_part(archive, styles)
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    kinds: dict[int, NumberStyle] = {}
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            try:
                formats[int(element.get("numFmtId", ""))] = element.get("formatCode", "")
            except ValueError:
                continue
    cell_xfs = next((el for el in root.iter() if _local(el.tag) == "cellXfs"), None)
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
        try:
            number_format = int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        code = formats.get(number_format, "")
        if not code and (27 <= number_format <= 36 or 50 <= number_format <= 58):
            kinds[index] = NumberStyle("date")  # East Asian date formats Excel doesn't spell out
        elif _ZEROS_FORMAT.fullmatch(code):
            kinds[index] = NumberStyle("zeros", width=code.count("0"))
        elif is_timedelta_format(code):
            kinds[index] = NumberStyle("duration")
        elif is_date_format(code):
            kinds[index] = NumberStyle("date")
    return kinds
