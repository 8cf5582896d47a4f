"""Comma, semicolon and tab separated files are told apart from their content."""

from __future__ import annotations

from imports.reader import open_table

from .files import write_csv


def read_all(path):
    with open_table(path) as table:
        return table.headers, list(table.rows())


def test_semicolon_delimited_csv_is_sniffed(tmp_path):
    # What Excel writes in locales where the comma is the decimal separator.
    path = write_csv(
        tmp_path / "list.csv",
        [["Telefon", "Name", "Betrag"], ["+49 151 23456789", "Jörg", "12,50"], ["0151 2345678", "Anna", "3,00"]],
        delimiter=";",
    )
    assert read_all(path) == (
        ["Telefon", "Name", "Betrag"],
        [(2, ["+49 151 23456789", "Jörg", "12,50"]), (3, ["0151 2345678", "Anna", "3,00"])],
    )


def test_tab_delimited_csv_is_sniffed(tmp_path):
    path = write_csv(tmp_path / "list.tsv", [["phone", "name"], ["+1 415 555 0123", "Smith, John"]], delimiter="\t")
    assert read_all(path) == (["phone", "name"], [(2, ["+1 415 555 0123", "Smith, John"])])


def test_comma_delimited_csv_with_semicolons_inside_cells_stays_comma(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [["phone", "notes"], ["+447911123456", "called; left message"], ["+447911123457", "a;b;c"]],
    )
    assert read_all(path)[1] == [
        (2, ["+447911123456", "called; left message"]),
        (3, ["+447911123457", "a;b;c"]),
    ]


def test_one_column_file_is_read_whole(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["Mobile"], ["+44 7911 123456"], ["(415) 555-0123"]])
    assert read_all(path) == (["Mobile"], [(2, ["+44 7911 123456"]), (3, ["(415) 555-0123"])])


def test_one_column_file_of_bare_numbers_is_read_whole(tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"], ["447911123456"], ["14155550123"]])
    assert read_all(path) == (["phone"], [(2, ["447911123456"]), (3, ["14155550123"])])
