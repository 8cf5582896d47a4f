"""The operators' commands run the same engine as the pages (SPEC §7)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from imports.models import ImportJob, JobStatus
from optouts import exports
from optouts import services as optout_services
from optouts.models import ExportJob, Method, OptOut, OptOutEvent

from .files import write_csv, write_xlsx


def _call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_optouts_imports_and_prints_the_summary(workspace, member, tmp_path):
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL)
    rows = [["Name", "Phone"], ["A", "+44 7911 123456"], ["B", "447911123456"], ["C", "(415) 555-0124"], ["D", "x"]]
    path = write_csv(tmp_path / "moved.csv", rows)

    out, err = _call("import_optouts", "acme", str(path), "--reason", "Moved from OldSMS", "--user", "alice")

    assert "Reading phone numbers from column “Phone” of moved.csv." in out
    assert "Import finished: 1 added to the opt-out list of Acme Bakery." in out
    assert "Skipped as duplicates in the file: 1" in out
    assert "Skipped as already opted out: 1" in out
    assert "Invalid: 1" in out
    assert "Checking: 100%" in err and "Importing: 100%" in err  # the progress bars go to stderr
    optout = OptOut.objects.get(phone="+447911123456")
    assert (optout.method, optout.reason, optout.created_by) == (Method.IMPORT, "Moved from OldSMS", member)
    assert OptOutEvent.objects.filter(method=Method.IMPORT).count() == 1
    job = ImportJob.objects.get()
    assert (job.status, job.requested_by) == (JobStatus.SUCCEEDED, member)  # visible on the page too


def test_import_optouts_reads_the_column_given_by_name_number_or_letter(workspace, tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", [["Phone", "Backup"], ["+447911123456", "+14155550123"]])

    _call("import_optouts", "acme", str(path), "--column", "backup")
    _call("import_optouts", "acme", str(path), "--column", "1")

    assert set(OptOut.objects.values_list("phone", flat=True)) == {"+14155550123", "+447911123456"}
    out, _ = _call("import_optouts", "acme", str(path), "--column", "B")
    assert "Skipped as already opted out: 1" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nope", "FILE"], "There is no workspace “nope”."),
        (["acme", "missing.csv"], "missing.csv is not a file."),
        (["acme", "FILE", "--user", "charlie"], "“charlie” is not a member of Acme Bakery."),
        (["acme", "FILE", "--column", "Fax"], "This file has no column “Fax”. Its columns are: Name, City."),
        (["acme", "FILE"], "We couldn't find a column of phone numbers."),
        (["acme", "EMPTY"], "The file is empty."),
    ],
)
def test_import_optouts_refuses_bad_input_with_a_command_error(workspace, outsider, tmp_path, arguments, message):
    no_phones = write_csv(tmp_path / "people.csv", [["Name", "City"], ["Ann", "Paris"]])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    arguments = [{"FILE": str(no_phones), "EMPTY": str(empty)}.get(a, a) for a in arguments]

    with pytest.raises(CommandError) as error:
        _call("import_optouts", *arguments)

    assert str(error.value).startswith(message)
    assert OptOut.objects.count() == 0


def test_import_optouts_exits_non_zero_on_a_bad_file(workspace, tmp_path):
    from django.core.management import ManagementUtility

    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(SystemExit) as exit_code:
        ManagementUtility(["manage.py", "import_optouts", "acme", str(path)]).execute()
    assert exit_code.value.code == 1


def test_export_optouts_writes_the_same_csv_as_the_export_job(workspace, member, tmp_path):
    optout_services.opt_out(
        workspace=workspace, phone="+14155550123", method=Method.MANUAL, reason="=1+1", actor=member
    )
    optout_services.opt_out(workspace=workspace, phone="+447911123456", method=Method.LINK)
    target = tmp_path / "out.csv"

    out, err = _call("export_optouts", "acme", str(target))

    assert "Exported 2 opt-outs of Acme Bakery to" in out
    assert "Exporting" in err
    job = exports.run_export_job(ExportJob.objects.create(workspace=workspace).id)
    assert target.read_bytes() == job.file.open("rb").read()
    line_end = b"\n" if connection.vendor == "postgresql" else b"\r\n"  # COPY's CSV, or Python's csv module
    assert target.read_bytes().startswith(b"\xef\xbb\xbfphone,contact,method,reason,opted_out_at,added_by" + line_end)
    assert not (tmp_path / "out.csv.partial").exists()


def test_export_optouts_refuses_an_unknown_workspace_or_folder(workspace, tmp_path):
    with pytest.raises(CommandError, match="There is no workspace “nope”."):
        _call("export_optouts", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="does not exist"):
        _call("export_optouts", "acme", str(tmp_path / "missing" / "x.csv"))
