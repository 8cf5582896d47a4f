"""Our streaming XLSX reader yields what openpyxl (and calamine) read from the same file."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from imports.reader import cell_to_text, open_table

from .files import shared_strings_xml, sheet_xml, write_raw_xlsx

texts = st.text(st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="="), max_size=12)
values = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=0, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
)
sheets = st.lists(st.lists(values, min_size=1, max_size=5), min_size=2, max_size=12)


def rows_as_openpyxl_reads_them(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = []
    for number, row in enumerate(workbook.active.iter_rows(values_only=True), start=1):
        cells = [cell_to_text(value) for value in row]
        if any(cells):
            rows.append((number, cells))
    workbook.close()
    if not rows:
        return [], []
    (_, headers), *data = rows
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    return headers, [(number, (cells + [""] * width)[:width]) for number, cells in data]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets)
def test_random_sheets_read_the_same_as_with_openpyxl(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.xlsx"
        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
        expected_headers, expected_rows = rows_as_openpyxl_reads_them(path)
        if not expected_headers or not expected_rows:
            return  # empty and header-only files are refused; tested elsewhere
        with open_table(path) as table:
            assert table.headers == expected_headers
            assert list(table.rows()) == expected_rows


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # our minimal styles.xml
def test_excel_style_workbook_reads_the_same_as_with_openpyxl_and_calamine(tmp_path):
    strings = shared_strings_xml(
        [
            "<si><t>Phone</t></si>",
            "<si><t>Name</t></si>",
            '<si><r><rPr><b/></rPr><t xml:space="preserve">+44 </t></r><r><t>7911 123456</t></r></si>',
            '<si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si>',
        ]
    )
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr">'
        '<is><t>since</t></is></c><c r="D1" t="inlineStr"><is><t>ok</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" s="1"><v>45352</v></c>'
        '<c r="D2" t="b"><v>1</v></c></row>'
        '<row r="4"><c r="A4"><v>447911123457</v></c><c r="C4" t="str"><f>B2</f><v>山田</v></c></row>',
        dimension="A1:D4",
    )
    path = write_raw_xlsx(tmp_path / "excel.xlsx", sheet=sheet, shared_strings=strings)

    with open_table(path) as table:
        ours = [table.headers, *(cells for _, cells in table.rows())]
    workbook = load_workbook(path, read_only=True, data_only=True)
    by_openpyxl = [[cell_to_text(value) for value in row] for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    by_calamine = [
        [cell_to_text(value) for value in row]
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    ]

    assert ours == [
        ["Phone", "Name", "since", "ok"],
        ["+44 7911 123456", "山田", "2024-03-01", "TRUE"],
        ["447911123457", "", "山田", ""],
    ]
    assert [row for row in by_openpyxl if any(row)] == ours
    assert [row for row in by_calamine if any(row)] == ours
