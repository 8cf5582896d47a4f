"""Hostile or broken XLSX files are refused quickly, with a reason, before they cost memory."""

from __future__ import annotations

import zipfile

import pytest

from imports.reader import ImportFileError, count_rows, open_table, validate

from .files import (
    BILLION_LAUGHS,
    WORKBOOK,
    shared_strings_xml,
    sheet_xml,
    within_seconds,
    write_raw_xlsx,
    write_xlsx,
)

HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'


def test_billion_laughs_in_the_sheet_is_refused_without_expanding(tmp_path):
    sheet = sheet_xml(
        HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=BILLION_LAUGHS
    )
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet)
    with within_seconds(5), pytest.raises(ImportFileError, match="XML features that spreadsheets never use"):
        validate(path)


def test_billion_laughs_in_shared_strings_is_refused_without_expanding(tmp_path):
    strings = shared_strings_xml(["<si><t>phone</t></si>", "<si><t>&lol9;</t></si>"], prolog=BILLION_LAUGHS)
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>')
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet, shared_strings=strings)
    with within_seconds(5), pytest.raises(ImportFileError, match="XML features that spreadsheets never use"):
        open_table(path)


def test_billion_laughs_in_the_workbook_part_is_refused(tmp_path):
    workbook = WORKBOOK.replace("{workbook_pr}", "").replace("?>", "?>" + BILLION_LAUGHS, 1)
    workbook = workbook.replace('name="Sheet1"', 'name="&lol9;"')
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet_xml(HEADER_ROW), workbook=workbook)
    with within_seconds(5), pytest.raises(ImportFileError, match="XML features that spreadsheets never use"):
        open_table(path)


def test_external_entity_is_refused_and_never_fetched(tmp_path):
    prolog = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    sheet = sheet_xml(
        HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&secret;</t></is></c></row>', prolog=prolog
    )
    path = write_raw_xlsx(tmp_path / "xxe.xlsx", sheet=sheet)
    with pytest.raises(ImportFileError, match="XML features that spreadsheets never use"):
        validate(path)


def test_zip_bomb_member_is_refused_from_the_zip_directory(tmp_path):
    # 12 MiB of one repeated row compresses ~1000:1, far past any real sheet.
    rows = "<row><c><v>1</v></c></row>" * (12 * 1024 * 1024 // 26)
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet_xml(HEADER_ROW + rows))
    assert path.stat().st_size < 1024 * 1024
    with within_seconds(5), pytest.raises(ImportFileError, match="unpacks to far more data than its size"):
        open_table(path)


def test_file_too_large_when_unpacked_is_refused_with_sizes(tmp_path):
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>4479111{i:05d}</v></c></row>' for i in range(2, 40_000))
    path = write_raw_xlsx(tmp_path / "big.xlsx", sheet=sheet_xml(HEADER_ROW + rows))
    with pytest.raises(ImportFileError) as error:
        open_table(path, max_xlsx_uncompressed_bytes=1_000_000)
    assert str(error.value).startswith("This XLSX file is too large when unpacked (")
    assert "the limit is 1 MB" in str(error.value)


def test_billions_of_declared_cells_are_refused_before_reading_rows(tmp_path):
    sheet = sheet_xml(HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c></row>', dimension="A1:XFD1048576")
    path = write_raw_xlsx(tmp_path / "huge.xlsx", sheet=sheet)
    with pytest.raises(ImportFileError) as error:
        open_table(path)
    assert str(error.value).startswith("This XLSX sheet declares 17,179,869,184 cells, more than the 50,000,000")


def test_cell_limit_is_a_parameter(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [["phone", "name"]] + [["1", "a"]] * 10)
    with pytest.raises(ImportFileError, match="declares 22 cells, more than the 20 we can import"):
        open_table(path, max_xlsx_cells=20)


def test_cell_beyond_the_last_excel_column_is_refused(tmp_path):
    sheet = sheet_xml(HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c><c r="XFE2"><v>2</v></c></row>')
    path = write_raw_xlsx(tmp_path / "wide.xlsx", sheet=sheet)
    with pytest.raises(ImportFileError, match="^Row 2 of this XLSX sheet has more columns than Excel allows."):
        open_table(path)


def test_corrupted_sheet_data_is_reported_as_damaged(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [["phone"]] + [[f"+4479111{i:05d}"] for i in range(2000)])
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
        offset = member.header_offset + 30 + len(member.filename) + len(member.extra) + member.compress_size // 2
    data = bytearray(path.read_bytes())
    data[offset : offset + 16] = b"\x00" * 16  # flip bytes inside the compressed sheet
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match="This XLSX file is damaged"):
        validate(path)


def test_malformed_sheet_xml_is_reported_as_damaged(tmp_path):
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet_xml(HEADER_ROW + "<row r='2'><c><v>1</c></row>"))
    with pytest.raises(ImportFileError, match=r"This XLSX file is damaged \(xl/worksheets/sheet1.xml is not valid XML"):
        validate(path)


def test_workbook_without_worksheets_is_refused(tmp_path):
    workbook = WORKBOOK.replace("{workbook_pr}", "").replace('<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', "")
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet_xml(HEADER_ROW), workbook=workbook)
    with pytest.raises(ImportFileError, match="^This XLSX file has no worksheet to import.$"):
        open_table(path)


def test_count_rows_checks_the_zip_before_reading(tmp_path):
    rows = "<row><c><v>1</v></c></row>" * (12 * 1024 * 1024 // 26)
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet_xml(HEADER_ROW + rows))
    with within_seconds(5), pytest.raises(ImportFileError, match="unpacks to far more data"):
        count_rows(path)


def test_zip_with_encrypted_members_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [["phone"], ["+447911123456"]])
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")  # first central directory entry; flags at offset 8
    data[entry + 8] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match="^This XLSX file is password-protected."):
        open_table(path)
