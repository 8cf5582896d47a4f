"""Progress bars get a cheap row count before the import starts."""

from __future__ import annotations

from openpyxl import Workbook

from imports.reader import count_rows, open_table

from .files import sheet_xml, write_csv, write_raw_xlsx, write_xlsx


def test_csv_rows_are_counted_without_the_header(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"]] + [[f"+4479111{i:05d}"] for i in range(2500)])
    assert count_rows(path) == 2500


def test_csv_without_a_final_line_break_counts_its_last_row(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("phone\n+447911123456\n+447911123457")
    assert count_rows(path) == 2


def test_old_mac_line_endings_are_counted(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"phone\r+447911123456\r+447911123457\r")
    assert count_rows(path) == 2


def test_utf16_csv_rows_are_counted(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("phone\r\n" + "".join(f"+4479111{i:05d}\r\n" for i in range(300)), encoding="utf-16")
    assert count_rows(path) == 300


def test_csv_table_estimates_its_rows_for_a_progress_bar(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"]] + [[f"+4479111{i:05d}"] for i in range(40)])
    with open_table(path) as table:
        assert table.total_rows_estimate == 40


def test_xlsx_rows_come_from_the_declared_dimension(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [["phone"]] + [[f"+4479111{i:05d}"] for i in range(75)])
    assert count_rows(path) == 75
    with open_table(path) as table:
        assert table.total_rows_estimate == 75


def test_xlsx_without_a_dimension_has_its_row_tags_counted(tmp_path):
    workbook = Workbook(write_only=True)  # streams rows and writes no <dimension>
    sheet = workbook.create_sheet()
    for row in [["phone"]] + [[f"+4479111{i:05d}"] for i in range(120)]:
        sheet.append(row)
    workbook.save(tmp_path / "list.xlsx")
    assert count_rows(tmp_path / "list.xlsx") == 120
    with open_table(tmp_path / "list.xlsx") as table:
        assert table.total_rows_estimate == 120


def test_row_tags_split_across_read_chunks_are_counted_once(tmp_path):
    # Enough rows that the 1 MiB read boundary falls inside some <row> tag.
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 60_001))
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet_xml(rows))
    assert count_rows(path) == 59_999
