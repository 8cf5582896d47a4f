"""UTF-8 (with or without BOM), UTF-16 with BOM and Windows-1252 are read; nothing else."""

from __future__ import annotations

import codecs

import pytest

from imports.reader import ImportFileError, open_table, validate

from .files import write_csv

ROWS = [["Phone", "Name"], ["+33 6 12 34 56 78", "Zoë Müller"], ["+447911123456", "François"]]


def read_all(path):
    with open_table(path) as table:
        return table.headers, list(table.rows())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252"])
def test_supported_encoding_reads_accented_names(tmp_path, encoding):
    path = tmp_path / "list.csv"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    text = "\r\n".join(",".join(row) for row in ROWS) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))

    headers, rows = read_all(path)

    # The BOM is not glued to the first header, or "Phone" would not be detected.
    assert headers == ["Phone", "Name"]
    assert rows == [(2, ["+33 6 12 34 56 78", "Zoë Müller"]), (3, ["+447911123456", "François"])]


def test_windows_1252_euro_sign_and_smart_quotes_are_decoded(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone", "note"], ["07911 123456", "“Paid” 5€"]], encoding="cp1252")
    assert read_all(path)[1] == [(2, ["07911 123456", "“Paid” 5€"])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # 0x81 and 0x8D are undefined in Windows-1252 and invalid as UTF-8 here.
        (b"phone,name\n+447911123456,\x81\x8d\x81\n", "text encoding isn't supported"),
        (codecs.BOM_UTF32_LE + "phone\n+447911123456\n".encode("utf-32-le"), "text encoding isn't supported"),
        ("phone\n+447911123456\n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (b"phone,name\n+447911123456,A\x00\x00\x00\x17\x00nn\n", "not a CSV or XLSX file"),
    ],
    ids=["neither-utf8-nor-windows-1252", "utf32", "utf16-without-bom", "nul-bytes"],
)
def test_text_in_an_unsupported_encoding_is_refused_with_its_reason(tmp_path, content, message):
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        open_table(path)


def bad_bytes_after_first_chunk(tmp_path):
    """A UTF-8 file whose row 5002 (well past the first 64 KiB) has a stray 0xFF byte."""
    path = tmp_path / "list.csv"
    lines = [b"phone,name"] + [b"+4479111%05d,Caf\xc3\xa9 customer" % i for i in range(5000)]
    lines.append(b"+447911999999,Bad \xff byte")
    lines.append(b"+447911999998,After")
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert path.stat().st_size > 64 * 1024
    return path


def test_undecodable_bytes_late_in_the_file_name_their_row(tmp_path):
    path = bad_bytes_after_first_chunk(tmp_path)
    seen = []
    with open_table(path) as table, pytest.raises(ImportFileError) as error:
        for number, cells in table.rows():
            seen.append(number)
    assert str(error.value).startswith("Row 5002 contains characters that aren't valid UTF-8 text.")
    assert seen[-1] == 5001  # every row before it was read


def test_validate_finds_undecodable_bytes_before_anything_is_imported(tmp_path):
    path = bad_bytes_after_first_chunk(tmp_path)
    with pytest.raises(ImportFileError, match="^Row 5002 contains characters"):
        validate(path)


def test_validate_accepts_a_good_file(tmp_path):
    path = write_csv(tmp_path / "list.csv", ROWS)
    assert validate(path) is None


def test_nul_byte_late_in_the_file_names_its_row(tmp_path):
    path = tmp_path / "list.csv"
    lines = [b"phone"] + [b"+4479111%05d" % i for i in range(8000)] + [b"+44791\x00"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ImportFileError, match="^Row 8002 contains a NUL character"):
        validate(path)
