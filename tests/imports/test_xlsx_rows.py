"""XLSX cells come out as the text the user typed, from openpyxl- and Excel-style files."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from imports.reader import ImportFileError, open_table

from .files import shared_strings_xml, sheet_xml, write_raw_xlsx, write_xlsx


def read_all(path):
    with open_table(path) as table:
        return table.headers, list(table.rows())


def test_numbers_stored_as_numbers_come_out_as_their_digits(tmp_path):
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["phone", "note"],
            [447911123456, "int cell"],
            [447911123456.0, "float cell holding a whole number"],
            [4.47911e11, "typed as 4.47911E+11: indistinguishable, digits already lost"],
            [12.5, "not a whole number"],
        ],
    )
    assert [cells[0] for _, cells in read_all(path)[1]] == [
        "447911123456",
        "447911123456",
        "447911000000",
        "12.5",
    ]


def test_text_dates_and_booleans_come_out_as_text(tmp_path):
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["phone", "opted out", "at", "confirmed"],
            ["  +44 7911 123456 ", dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 9, 30), True],
        ],
    )
    assert read_all(path)[1] == [(2, ["+44 7911 123456", "2024-03-01", "2024-03-01 09:30:00", "TRUE"])]


def test_blank_rows_are_skipped_and_row_numbers_match_the_sheet(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "Phone", "Name"
    sheet["B4"], sheet["C4"] = "+447911123456", "Ann"
    sheet["B7"] = "+447911123457"  # rows 5-6 empty, C7 empty
    sheet["B8"] = "   "
    workbook.save(tmp_path / "list.xlsx")

    with open_table(tmp_path / "list.xlsx") as table:
        assert (table.header_row, table.headers) == (3, ["", "Phone", "Name"])
        assert list(table.rows()) == [(4, ["", "+447911123456", "Ann"]), (7, ["", "+447911123457", ""])]


def test_first_visible_sheet_is_imported(tmp_path):
    workbook = Workbook()
    lookup = workbook.active
    lookup.title = "Lookup"
    lookup.append(["code", "country"])
    lookup.append(["44", "UK"])
    lookup.sheet_state = "hidden"
    contacts = workbook.create_sheet("Contacts")
    contacts.append(["mobile"])
    contacts.append(["+447911123456"])
    workbook.save(tmp_path / "list.xlsx")

    assert read_all(tmp_path / "list.xlsx") == (["mobile"], [(2, ["+447911123456"])])


def test_header_only_workbook_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [["phone", "name"]])
    with pytest.raises(ImportFileError, match="^The file has a header row but no data rows.$"):
        open_table(path)


def test_empty_workbook_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [])
    with pytest.raises(ImportFileError, match="^The file is empty.$"):
        open_table(path)


def test_excel_style_shared_strings_rich_text_and_phonetics_are_read(tmp_path):
    strings = shared_strings_xml(
        [
            "<si><t>Phone</t></si>",
            '<si><t xml:space="preserve">Name </t></si>',
            # Rich text: runs with their own formatting, joined into one value.
            "<si><r><rPr><b/></rPr><t>+44 </t></r><r><t>7911 123456</t></r></si>",
            # Phonetic guide (furigana) is display-only, not part of the value.
            '<si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si>',
        ]
    )
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>',
        dimension="A1:B2",
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet, shared_strings=strings)
    assert read_all(path) == (["Phone", "Name"], [(2, ["+44 7911 123456", "山田"])])


def test_formula_results_errors_and_inline_strings_are_read_as_shown(tmp_path):
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>check</t></is></c><c r="C1" t="inlineStr"><is><t>ok</t></is></c></row>'
        '<row r="2"><c r="A2" t="str"><f>"+44"&amp;"7911123456"</f><v>+447911123456</v></c>'
        '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C2" t="b"><v>0</v></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet)
    assert read_all(path)[1] == [(2, ["+447911123456", "#DIV/0!", "FALSE"])]


def test_cells_and_rows_without_references_follow_on(tmp_path):
    sheet = sheet_xml(
        '<row><c t="inlineStr"><is><t>phone</t></is></c><c t="inlineStr"><is><t>name</t></is></c></row>'
        '<row><c><v>447911123456</v></c><c t="inlineStr"><is><t>Ann</t></is></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet)
    assert read_all(path) == (["phone", "name"], [(2, ["447911123456", "Ann"])])


@pytest.mark.parametrize(("date1904", "serial"), [(False, "45352"), (True, "43890")])
def test_date_styled_numbers_are_dates_in_either_calendar(tmp_path, date1904, serial):
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>since</t></is></c></row>'
        f'<row r="2"><c r="A2"><v>447911123456</v></c><c r="B2" s="1"><v>{serial}</v></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet, date1904=date1904)
    assert read_all(path)[1] == [(2, ["447911123456", "2024-03-01"])]


def test_number_written_in_exponent_form_is_read_as_its_value(tmp_path):
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
        '<row r="2"><c r="A2"><v>4.47911E+11</v></c></row><row r="3"><c r="A3"><v>0.25</v></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet)
    assert read_all(path)[1] == [(2, ["447911000000"]), (3, ["0.25"])]


def test_reference_to_a_missing_shared_string_is_reported_as_damage(tmp_path):
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>7</v></c></row>'
    )
    path = write_raw_xlsx(tmp_path / "list.xlsx", sheet=sheet, shared_strings=shared_strings_xml([]))
    with pytest.raises(ImportFileError, match="damaged .*row 2: a cell refers to a missing shared string"):
        open_table(path)


def test_number_shown_with_leading_zeros_keeps_them(tmp_path):
    # People keep the 0 of a national number typed as a number with a "00000000000" format.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["phone"])
    sheet.append([7911123456])
    sheet["A2"].number_format = "00000000000"
    sheet.append([7911123457])
    workbook.save(tmp_path / "list.xlsx")
    assert read_all(tmp_path / "list.xlsx")[1] == [(2, ["07911123456"]), (3, ["7911123457"])]
