"""Every kind of bad file gets its own clear message, and changes nothing (issue 5)."""

from __future__ import annotations

import codecs
import html
from pathlib import Path

import pytest
from django.urls import reverse

from imports import engine, services
from imports.models import ImportJob, JobStatus
from optouts.models import OptOut, OptOutEvent

from .files import BILLION_LAUGHS, sheet_xml, write_csv, write_raw_xlsx, write_xlsx

HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
DATA_ROW = '<row r="2"><c r="A2" t="inlineStr"><is><t>+447911123456</t></is></c></row>'


def _bytes(name: str, content: bytes):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return make


def _zip_bomb(tmp_path: Path) -> Path:
    rows = "<row><c><v>1</v></c></row>" * (12 * 1024 * 1024 // 26)
    return write_raw_xlsx(tmp_path / "bomb.xlsx", sheet=sheet_xml(HEADER_ROW + rows))


def _billions_of_cells(tmp_path: Path) -> Path:
    return write_raw_xlsx(tmp_path / "huge.xlsx", sheet=sheet_xml(HEADER_ROW + DATA_ROW, dimension="A1:XFD1048576"))


def _billion_laughs(tmp_path: Path) -> Path:
    sheet = sheet_xml(
        HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=BILLION_LAUGHS
    )
    return write_raw_xlsx(tmp_path / "laughs.xlsx", sheet=sheet)


def _truncated_xlsx(tmp_path: Path) -> Path:
    path = write_xlsx(tmp_path / "list.xlsx", [["phone"], ["+447911123456"]])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _no_phone_column(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "people.csv", [["Name", "City"], ["Ann", "Paris"], ["Ben", "Oslo"]])


BAD_FILES = [
    pytest.param(
        _bytes("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"),
        "This file is not a CSV or XLSX file.",
        id="png-named-csv",
    ),
    pytest.param(_bytes("empty.csv", b""), "The file is empty.", id="empty"),
    pytest.param(
        _bytes("header.csv", b"phone,name\r\n"), "The file has a header row but no data rows.", id="header-only"
    ),
    pytest.param(_no_phone_column, "We couldn't find a column of phone numbers.", id="no-phone-column"),
    pytest.param(
        _bytes("latin.csv", b"phone,name\n+447911123456,\x81\x8d\x81\n"),
        "The file's text encoding isn't supported.",
        id="undecodable-bytes",
    ),
    pytest.param(
        _bytes("utf16.csv", "phone\n+447911123456\n".encode("utf-16-le")),
        "This file looks like UTF-16 text without a byte-order mark.",
        id="utf16-without-bom",
    ),
    pytest.param(
        _bytes("utf32.csv", codecs.BOM_UTF32_LE + "phone\n+447911123456\n".encode("utf-32-le")),
        "The file's text encoding isn't supported.",
        id="utf32",
    ),
    pytest.param(
        _bytes("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ".xls files from old Excel versions",
        id="legacy-xls",
    ),
    pytest.param(_truncated_xlsx, "This file is a damaged or incomplete XLSX file", id="broken-zip"),
    pytest.param(_zip_bomb, "unpacks to far more data than its size suggests", id="zip-bomb"),
    pytest.param(_billions_of_cells, "This XLSX sheet declares 17,179,869,184 cells", id="billions-of-cells"),
    pytest.param(_billion_laughs, "contains XML features that spreadsheets never use", id="hostile-xml"),
]


@pytest.mark.parametrize(("make", "message"), BAD_FILES)
def test_bad_upload_is_refused_with_its_message_and_changes_nothing(member_client, workspace, tmp_path, make, message):
    path = make(tmp_path)
    with open(path, "rb") as handle:
        response = member_client.post(reverse("optouts:import", kwargs={"slug": workspace.slug}), {"file": handle})

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert ImportJob.objects.count() == OptOut.objects.count() == OptOutEvent.objects.count() == 0
    assert not any((Path(tmp_path) / "media").rglob("*.*"))  # nothing kept in storage either


def test_semicolon_and_tab_files_are_not_bad_files(member_client, workspace, tmp_path):
    for delimiter, name in ((";", "semi.csv"), ("\t", "tabs.tsv")):
        path = write_csv(tmp_path / name, [["Name", "Phone"], ["Ann", "+44 7911 123456"]], delimiter=delimiter)
        with open(path, "rb") as handle:
            response = member_client.post(reverse("optouts:import", kwargs={"slug": workspace.slug}), {"file": handle})
        assert response.status_code == 302, response.content.decode()
    assert ImportJob.objects.filter(phone_column="Phone").count() == 2


def test_file_over_the_size_cap_is_stopped_while_it_streams(member_client, workspace, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200_000
    path = write_csv(tmp_path / "big.csv", [["phone"]] + [[f"+4479111{i:05d}"] for i in range(30_000)])
    assert path.stat().st_size > 200_000
    from imports import uploads

    seen = []
    real = uploads.SizeCapHandler.receive_data_chunk

    def spy(self, raw_data, start):
        seen.append(start)
        return real(self, raw_data, start)

    uploads.SizeCapHandler.receive_data_chunk = spy
    try:
        with open(path, "rb") as handle:
            response = member_client.post(reverse("optouts:import", kwargs={"slug": workspace.slug}), {"file": handle})
    finally:
        uploads.SizeCapHandler.receive_data_chunk = real

    assert response.status_code == 400
    assert "This file is larger than the 195.3\xa0KB limit." in html.unescape(response.content.decode())
    assert max(seen) < 200_000 + 64 * 1024  # stopped at the first chunk past the cap, not after reading it all
    assert ImportJob.objects.count() == OptOut.objects.count() == 0


def test_a_bad_byte_far_into_the_file_fails_the_job_before_any_row_is_written(workspace, member, tmp_path, settings):
    """The reader only sees the start at upload; the rest is checked in full before writing."""
    path = tmp_path / "late.csv"
    lines = [b"phone"] + [b"+4479111%05d" % i for i in range(12_000)] + [b"+447911999999 \xff", b"+447911999998"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    with open(path, "rb") as handle:
        from django.core.files import File

        job = services.create_import(
            workspace=workspace, kind="optouts", upload=File(handle, name="late.csv"), actor=member
        )
    services.start_import(job=job, phone_column=0, queue=False)

    job = engine.run(job.id)

    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Row 12002 contains characters that aren't valid UTF-8 text.")
    # 12,000 good rows came first, and none of them was written.
    assert OptOut.objects.count() == OptOutEvent.objects.count() == 0
    from imports.models import InvalidRow, SeenNumber

    assert SeenNumber.objects.count() == InvalidRow.objects.count() == 0


def test_a_named_column_that_does_not_exist_is_refused(workspace, member, tmp_path):
    from django.core.exceptions import ValidationError
    from django.core.files import File

    path = write_csv(tmp_path / "list.csv", [["Name", "Phone"], ["Ann", "+447911123456"]])
    with open(path, "rb") as handle, pytest.raises(ValidationError) as error:
        services.create_import(
            workspace=workspace, kind="optouts", upload=File(handle, name="list.csv"), phone_column="Mobile"
        )
    assert error.value.message_dict["file"] == ["This file has no column “Mobile”. Its columns are: Name, Phone."]
