"""Rows come out numbered as a spreadsheet shows them, stripped, header-wide, never "fixed"."""

from __future__ import annotations

import pytest

from imports.reader import ImportFileError, open_table

from .files import write_csv


def read_all(path):
    with open_table(path) as table:
        return table.headers, list(table.rows())


def test_first_data_row_is_row_2(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"], ["+447911123456"], ["+447911123457"]])
    assert [number for number, _ in read_all(path)[1]] == [2, 3]


def test_blank_rows_are_skipped_but_keep_later_row_numbers_right(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [["phone", "name"], ["+447911123456", "Ann"], [], ["", " "], ["+447911123457", "Bob"]],
    )
    assert read_all(path)[1] == [(2, ["+447911123456", "Ann"]), (5, ["+447911123457", "Bob"])]


def test_a_cell_spanning_lines_is_one_row(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [["phone", "address"], ["+447911123456", "1 High St\nLondon"], ["+447911123457", "Leeds"]],
    )
    assert read_all(path)[1] == [
        (2, ["+447911123456", "1 High St\nLondon"]),
        (3, ["+447911123457", "Leeds"]),
    ]


def test_cells_are_stripped_of_surrounding_whitespace(tmp_path):
    path = write_csv(tmp_path / "list.csv", [[" phone ", "name"], ["  +447911123456\t", " Ann "]])
    assert read_all(path) == (["phone", "name"], [(2, ["+447911123456", "Ann"])])


def test_short_rows_are_padded_and_long_rows_cut_to_the_header(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [["phone", "name", "email"], ["+447911123456"], ["+447911123457", "Bob", "b@example.com", "extra"]],
    )
    assert read_all(path)[1] == [
        (2, ["+447911123456", "", ""]),
        (3, ["+447911123457", "Bob", "b@example.com"]),
    ]


def test_trailing_empty_header_cells_are_dropped(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone", "name", "", ""], ["+447911123456", "Ann", "", ""]])
    assert read_all(path) == (["phone", "name"], [(2, ["+447911123456", "Ann"])])


def test_scientific_notation_is_passed_through_as_text(tmp_path):
    # Excel saved a number column as 4.47911E+11: the digits are gone and
    # only the phone parser's error can tell the user so.
    path = write_csv(tmp_path / "list.csv", [["phone"], ["4.47911E+11"], ["447911123456.0"]])
    assert read_all(path)[1] == [(2, ["4.47911E+11"]), (3, ["447911123456.0"])]


def test_blank_lines_before_the_header_keep_row_numbers_right(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("\n\nphone\n+447911123456\n")
    with open_table(path) as table:
        assert (table.header_row, table.headers) == (3, ["phone"])
        assert list(table.rows()) == [(4, ["+447911123456"])]


def test_file_of_blank_lines_is_empty(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("\ufeff\r\n ,  \r\n\r\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="^The file is empty.$"):
        open_table(path)


def test_header_only_file_is_refused(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone", "name"], [], [" ", ""]])
    with pytest.raises(ImportFileError, match="^The file has a header row but no data rows.$"):
        open_table(path)


def test_huge_cell_is_refused_with_its_row(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone", "notes"], ["+447911123456", "ok"], ["+1", "x" * 500_000]])
    with open_table(path) as table, pytest.raises(ImportFileError) as error:
        list(table.rows())
    assert str(error.value) == (
        'Row 3 has a cell longer than 131,072 characters; check for a missing closing quote (").'
    )


def test_unclosed_quote_is_refused_instead_of_swallowing_the_file(tmp_path):
    path = tmp_path / "list.csv"
    rows = "".join(f"+4479111{i:05d},name {i}\n" for i in range(20_000))
    path.write_text(f'phone,name\n+447911000000,Ann\n+447911000001,"Unclosed\n{rows}')
    seen = []
    with open_table(path) as table, pytest.raises(ImportFileError, match="^Row 3 has a cell longer than"):
        for number, _cells in table.rows():
            seen.append(number)
    assert seen == [2]


def test_extremely_long_line_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("phone,name\n+447911123456,Ann\n" + "1," * 3_000_000 + "\n")
    with open_table(path) as table, pytest.raises(ImportFileError) as error:
        list(table.rows())
    assert str(error.value) == "Row 3 is longer than 1,048,576 characters, which is too long to import."


def test_rows_after_a_quoted_line_break_keep_spreadsheet_numbers(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone", "note"], ["1", "a\nb\nc"], ["2", "d"]])
    assert [number for number, _ in read_all(path)[1]] == [2, 3]


def test_rows_can_be_streamed_only_once(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"], ["+447911123456"]])
    with open_table(path) as table:
        assert list(table.rows()) == [(2, ["+447911123456"])]
        with pytest.raises(RuntimeError, match="can be iterated only once"):
            list(table.rows())
