"""The reader decides what a file is from its content, never its name."""

from __future__ import annotations

import os
import zipfile

import pytest

from imports.reader import ImportFileError, open_table

from .files import write_csv, write_xlsx

PHONES = [["phone", "name"], ["+447911123456", "Ann"]]


def test_csv_is_read_as_csv(tmp_path):
    path = write_csv(tmp_path / "list.csv", PHONES)
    with open_table(path) as table:
        assert (table.kind, table.headers) == ("csv", ["phone", "name"])
        assert list(table.rows()) == [(2, ["+447911123456", "Ann"])]


def test_xlsx_is_read_as_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", PHONES)
    with open_table(path) as table:
        assert (table.kind, table.headers) == ("xlsx", ["phone", "name"])
        assert list(table.rows()) == [(2, ["+447911123456", "Ann"])]


def test_xlsx_named_csv_is_still_read_as_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "list.csv", PHONES)
    with open_table(path) as table:
        assert table.kind == "xlsx"


def test_csv_named_xlsx_is_still_read_as_csv(tmp_path):
    path = write_csv(tmp_path / "list.xlsx", PHONES)
    with open_table(path) as table:
        assert table.kind == "csv"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", id="png"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", id="pdf"),
        pytest.param(os.urandom(4096), id="random-bytes"),
        pytest.param(b"\x1f\x8b\x08\x00" + os.urandom(64), id="gzip"),
    ],
)
def test_non_spreadsheet_file_is_refused(tmp_path, content):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="This file is not a CSV or XLSX file."):
        open_table(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff\xe0 not really")
    with pytest.raises(ImportFileError, match="This file is not a CSV or XLSX file."):
        open_table(path)


def test_legacy_xls_gets_told_to_save_as_xlsx_or_csv(tmp_path):
    path = tmp_path / "old.xls"
    # The OLE2 compound-document signature every .xls file starts with.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ImportFileError, match=r"\.xls files from old Excel versions .* aren't supported"):
        open_table(path)


def test_truncated_xlsx_is_reported_as_damaged(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", PHONES)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ImportFileError, match="damaged or incomplete XLSX file"):
        open_table(path)


def test_empty_file_is_reported_as_empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="^The file is empty.$"):
        open_table(path)
