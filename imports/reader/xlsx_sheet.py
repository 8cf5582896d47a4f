"""Stream one worksheet's rows with expat, in flat memory.

openpyxl's read-only mode streams too but reads ~5-8k rows/s; python-calamine
reads ~100k rows/s but loads the whole sheet first (450 MiB for a million
rows). Handling the few cell types ourselves with pyexpat reads 3-4x faster
than openpyxl in a flat ~13 MiB (figures: bench/xlsx_readers.py).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator
from pyexpat import ExpatError, ParserCreate, XMLParserType

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from . import errors
from .cells import cell_to_text
from .errors import ImportFileError
from .xlsx_package import MAIN_NAMESPACES, MAX_COLUMNS, NumberStyle, column_index

_CHUNK_BYTES = 64 * 1024
_LOCAL_NAMES = ("row", "c", "v", "t", "rPh", "si")
# expat reports "namespace localname"; map both flavours of the main namespace.
_TAGS = {f"{ns} {name}": name for ns in MAIN_NAMESPACES for name in _LOCAL_NAMES}


def _reject_xml_declarations(*_args: object) -> None:
    # The same refusal defusedxml makes: spreadsheets never declare a DTD or
    # entities, and entity expansion is how "billion laughs" bombs work.
    raise ImportFileError(errors.HOSTILE_XML)


def _new_parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> XMLParserType:
    parser = ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _reject_xml_declarations
    parser.EntityDeclHandler = _reject_xml_declarations
    parser.UnparsedEntityDeclHandler = _reject_xml_declarations
    parser.ExternalEntityRefHandler = _reject_xml_declarations
    parser.buffer_text = True
    parser.buffer_size = _CHUNK_BYTES
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    return parser


def _feed(archive: zipfile.ZipFile, member: str, parser: XMLParserType) -> Iterator[None]:
    """Push ``member`` through ``parser`` one chunk at a time, yielding after each."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                parser.Parse(chunk, False)
                yield
        parser.Parse(b"", True)
        yield
    except ExpatError as error:
        detail = f"{member} is not valid XML: {error}"
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail=detail)) from error
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        # BadZipFile covers CRC mismatches and members that unpack past their declared size.
        raise ImportFileError(errors.DAMAGED_XLSX.format(detail=f"{member} is corrupt")) from error


class SharedStrings:
    """The workbook's string table, kept on disk so a million unique strings stay cheap.

    Excel stores every text cell as an index into this table; holding it as
    Python strings would grow memory with the file. Only 8 bytes of offset
    per string stay in memory; lookups read the temporary file.
    """

    def __init__(self, archive: zipfile.ZipFile, member: str | None) -> None:
        self._file = tempfile.TemporaryFile()  # closed by close()
        self._offsets = array("q", [0])
        self._parts: list[str] = []
        self._collecting = False
        self._in_phonetic = False
        try:
            if member is not None:
                parser = _new_parser(self._start, self._end, self._text)
                for _ in _feed(archive, member, parser):
                    pass
            self._file.flush()
        except BaseException:
            self._file.close()
            raise
        self._fd = self._file.fileno()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        return os.pread(self._fd, end - start, start).decode("utf-8")

    def close(self) -> None:
        self._file.close()

    def _start(self, name: str, _attrs: dict[str, str]) -> None:
        tag = _TAGS.get(name)
        if tag == "si":
            self._parts = []
        elif tag == "t" and not self._in_phonetic:
            self._collecting = True
        elif tag == "rPh":  # phonetic guide text (furigana) is not part of the value
            self._in_phonetic = True

    def _end(self, name: str) -> None:
        tag = _TAGS.get(name)
        if tag == "t":
            self._collecting = False
        elif tag == "rPh":
            self._in_phonetic = False
        elif tag == "si":
            self._offsets.append(self._offsets[-1] + self._file.write("".join(self._parts).encode()))

    def _text(self, data: str) -> None:
        if self._collecting:
            self._parts.append(data)


class SheetRows:
    """Parse a worksheet's XML into ``(row number, [cell text, ...])``."""

    def __init__(
        self,
        shared: SharedStrings,
        number_styles: dict[int, NumberStyle],
        *,
        date1904: bool,
    ) -> None:
        self._shared = shared
        self._number_styles = {str(index): style for index, style in number_styles.items()}
        self._epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self._columns: dict[str, int] = {}
        self._done: list[tuple[int, list[str]]] = []
        self._row_number = 0
        self._cells: list[str] = []
        self._column = 0
        self._type = "n"
        self._style: str | None = None
        self._raw = ""
        self._collecting = False
        self._in_phonetic = False

    def read(self, archive: zipfile.ZipFile, member: str) -> Iterator[tuple[int, list[str]]]:
        parser = _new_parser(self._start, self._end, self._text)
        for _ in _feed(archive, member, parser):
            done, self._done = self._done, []
            yield from done

    # The three handlers run for every element of the sheet; branches are
    # ordered by frequency, because they are the reader's whole cost.
    def _start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _TAGS.get(name)
        if tag == "c":
            reference = attrs.get("r")
            if reference:
                column = self._columns.get(reference.rstrip("0123456789"))
                if column is None:
                    column = self._column_of(reference)
            else:
                column = len(self._cells)
            if column >= MAX_COLUMNS:
                raise ImportFileError(errors.TOO_MANY_COLUMNS.format(row=self._row_number))
            self._column = column
            self._type = attrs.get("t", "n")
            self._style = attrs.get("s")
            self._raw = ""
        elif tag == "v" or (tag == "t" and not self._in_phonetic):
            self._collecting = True
        elif tag == "row":
            # Rows without r follow the previous one; r keeps the numbers the user sees.
            reference = attrs.get("r")
            self._row_number = self._int(reference) if reference else self._row_number + 1
            self._cells = []
        elif tag == "rPh":
            self._in_phonetic = True

    def _end(self, name: str) -> None:
        tag = _TAGS.get(name)
        if tag == "v" or tag == "t":
            self._collecting = False
        elif tag == "c":
            value = self._value(self._raw) if self._raw else ""
            cells, column = self._cells, self._column
            if column == len(cells):
                cells.append(value)
            elif column > len(cells):
                cells.extend([""] * (column - len(cells)))
                cells.append(value)
            else:
                cells[column] = value
        elif tag == "row":
            self._done.append((self._row_number, self._cells))
        elif tag == "rPh":
            self._in_phonetic = False

    def _text(self, data: str) -> None:
        if self._collecting:
            self._raw += data

    def _value(self, raw: str) -> str:
        kind = self._type
        if kind == "s":
            index = self._int(raw)
            if not 0 <= index < len(self._shared):
                raise self._damaged("a cell refers to a missing shared string")
            return self._shared[index]
        if kind == "n":
            if self._style is None and raw.isascii() and raw.isdigit():
                return raw  # the common case: a whole number, written without ".0"
            return self._number(raw)
        if kind == "b":
            return "TRUE" if raw.strip() == "1" else "FALSE"
        return raw  # inlineStr, str (formula result), e (#N/A…), d (ISO date)

    def _number(self, raw: str) -> str:
        style = self._number_styles.get(self._style) if self._style else None
        if style is None and raw.isascii() and raw.isdigit():
            return raw
        try:
            number = float(raw)
        except ValueError:
            raise self._damaged(f"a number cell holds {raw[:20]!r}") from None
        if style is None:
            return cell_to_text(number)
        if style.kind == "zeros":
            text = cell_to_text(number)
            return text.zfill(style.width) if text.isdigit() else text
        try:
            return cell_to_text(from_excel(number, self._epoch, timedelta=style.kind == "duration"))
        except (OverflowError, ValueError):
            return cell_to_text(number)  # outside the calendar: Excel shows ##### here

    def _column_of(self, reference: str) -> int:
        letters = reference.rstrip("0123456789")
        if not letters.isascii() or not letters.isalpha() or not letters.isupper():
            raise self._damaged(f"a cell has the reference {reference[:20]!r}")
        self._columns[letters] = column = column_index(letters)
        return column

    def _int(self, raw: str) -> int:
        try:
            return int(raw)
        except ValueError:
            raise self._damaged(f"{raw[:20]!r} is not a number") from None

    def _damaged(self, detail: str) -> ImportFileError:
        return ImportFileError(errors.DAMAGED_XLSX.format(detail=f"row {self._row_number}: {detail}"))
