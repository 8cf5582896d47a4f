"""The error a bad upload raises, and the sentences the user reads."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file cannot be imported; ``str(error)`` is a sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


NOT_CSV_OR_XLSX = "This file is not a CSV or XLSX file."
LEGACY_XLS = (
    ".xls files from old Excel versions (and password-protected workbooks) aren't "
    "supported; save the file as .xlsx or CSV and upload it again."
)
EMPTY = "The file is empty."
HEADER_ONLY = "The file has a header row but no data rows."
NO_PHONE_COLUMN = (
    "We couldn't find a column of phone numbers. Choose the column that holds them, "
    "or name its header “phone”, and try again."
)
UNSUPPORTED_ENCODING = (
    "The file's text encoding isn't supported. Save it as “CSV UTF-8” (or as XLSX) and upload it again."
)
UTF16_WITHOUT_BOM = (
    "This file looks like UTF-16 text without a byte-order mark. Save it as “CSV UTF-8” "
    "(or as XLSX) and upload it again."
)
DAMAGED_ZIP = (
    "This file is a damaged or incomplete XLSX file (perhaps the upload was cut short). "
    "Save it again from your spreadsheet app and upload it again."
)
ENCRYPTED_XLSX = "This XLSX file is password-protected. Remove the password, save it, and upload it again."
TOO_LARGE_UNPACKED = (
    "This XLSX file is too large when unpacked ({size} MB, the limit is {limit} MB). "
    "Split it into smaller files or save it as CSV."
)
ZIP_BOMB = (
    "This XLSX file unpacks to far more data than its size suggests, which is how "
    "malicious files are built, so it was not opened."
)
TOO_MANY_CELLS = (
    "This XLSX sheet declares {cells:,} cells, more than the {limit:,} we can import. "
    "Delete unused rows and columns or split the file."
)
TOO_MANY_COLUMNS = "Row {row} of this XLSX sheet has more columns than Excel allows."
HOSTILE_XML = (
    "This XLSX file contains XML features that spreadsheets never use (a DTD or entity "
    "declarations), so it was not opened."
)
NO_WORKSHEET = "This XLSX file has no worksheet to import."
UNDECODABLE_ROW = (
    "Row {row} contains characters that aren't valid {encoding} text. Save the file as "
    "“CSV UTF-8” (or as XLSX) and upload it again."
)
NUL_IN_ROW = (
    "Row {row} contains a NUL character, which text files don't have; the file may be "
    "damaged. Save it as “CSV UTF-8” (or as XLSX) and upload it again."
)
CELL_TOO_LONG = 'Row {row} has a cell longer than {limit:,} characters; check for a missing closing quote (").'
LINE_TOO_LONG = "Row {row} is longer than {limit:,} characters, which is too long to import."
BAD_CSV_ROW = "Row {row} could not be read as CSV ({detail})."
DAMAGED_XLSX = "This XLSX file is damaged ({detail}). Save it again from your spreadsheet app and upload it again."
