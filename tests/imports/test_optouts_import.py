"""Importing opt-outs: upload, map, run in the background, summary (SPEC §8, issue 5)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from django.urls import reverse

from imports import engine, jobs, targets
from imports.models import ImportJob, JobStatus
from optouts import services as optout_services
from optouts.models import Method, OptOut, OptOutEvent

from .files import write_csv, write_xlsx
from .importing import run_import, upload

MIXED = [
    ["Name", "Mobile", "Notes"],
    ["Ann", "+44 7911 123456", ""],
    ["Ben", "(415) 555-0123", ""],
    ["Cat", "0044 20 7946 0002", ""],
    ["Dan", "447911123457", "digits only, spreadsheet style"],
    ["Eve", "+44 7911 123456", "same as Ann"],
    ["Fay", "not a number", ""],
    ["Gus", "", "no number"],
    ["Hal", "+1 415-555-0124", "already opted out"],
]


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"optouts:{name}", kwargs={"slug": workspace.slug, **kwargs})


def test_csv_written_by_the_csv_module_imports_with_the_right_counts(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, reason="asked")
    path = write_csv(tmp_path / "list.csv", MIXED)

    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member, reason="Old provider list")

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.added, job.duplicates, job.existing, job.invalid) == (4, 1, 1, 2)
    imported = OptOut.objects.filter(workspace=workspace, method=Method.IMPORT)
    assert set(imported.values_list("phone", flat=True)) == {
        "+447911123456",
        "+14155550123",
        "+442079460002",
        "+447911123457",
    }
    assert {(o.reason, o.created_by) for o in imported} == {("Old provider list", member)}
    # The entry that was already there keeps its method and reason.
    assert OptOut.objects.get(workspace=workspace, phone="+14155550124").method == Method.MANUAL


def test_each_added_number_gets_one_event_naming_the_import(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "list.csv", MIXED)

    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member, reason="Old provider list")

    events = OptOutEvent.objects.filter(workspace=workspace)
    assert events.count() == job.added == 5
    assert {(e.action, e.method, e.actor_id) for e in events} == {("opted_out", "import", member.id)}
    assert {e.details["import_id"] for e in events} == {job.id}
    assert {e.details["reason"] for e in events} == {"Old provider list"}


def test_xlsx_written_by_openpyxl_imports_with_the_right_counts(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        ["Phone", "Name"],
        [447911123456, "number cell"],
        [447911123457.0, "float cell holding an exact integer"],
        ["+1 (415) 555-0123", "text cell"],
        [4155550199, "national number as a number cell"],
        ["4.47911E+11", "scientific notation: digits were lost"],
        [447911123456, "duplicate of row 2"],
    ]
    path = write_xlsx(tmp_path / "list.xlsx", rows)

    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.added, job.duplicates, job.existing, job.invalid) == (4, 1, 0, 1)
    assert set(OptOut.objects.values_list("phone", flat=True)) == {
        "+447911123456",
        "+447911123457",
        "+14155550123",
        "+14155550199",
    }


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-16"), (";", "cp1252")],
    ids=["comma-utf8", "semicolon-utf8-bom", "tab-utf16-bom", "semicolon-windows-1252"],
)
def test_delimiters_and_encodings_are_sniffed(
    workspace, member, tmp_path, django_capture_on_commit_callbacks, delimiter, encoding
):
    rows = [["Téléphone", "Nom"], ["+33 6 12 34 56 78", "Zoë"], ["+44 7911 123456", "Søren"]]
    path = write_csv(tmp_path / "list.csv", rows, delimiter=delimiter, encoding=encoding)

    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert set(OptOut.objects.values_list("phone", flat=True)) == {"+33612345678", "+447911123456"}


def test_invalid_rows_download_as_csv_with_row_value_and_reason(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "list.csv", [*MIXED, ["Ivy", '=HYPERLINK("http://x")', ""]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)

    response = member_client.get(_url("import_invalid", workspace, pk=job.pk))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="list-invalid-rows.csv"')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["row", "original_value", "reason"]
    assert rows[1] == ["7", "not a number", "“not a number” is not a valid phone number."]
    assert rows[2] == ["8", "", "No phone number given."]
    # A formula in the file comes back as text, not as something a spreadsheet would run.
    assert rows[3][:2] == ["10", '\'=HYPERLINK("http://x")']


def test_summary_page_shows_the_counts_and_the_download_link(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    job = run_import(workspace, write_csv(tmp_path / "list.csv", MIXED), django_capture_on_commit_callbacks)

    page = member_client.get(_url("import_job", workspace, pk=job.pk)).content.decode()

    assert 'data-count="added">5<' in page
    assert 'data-count="duplicates">1<' in page
    assert 'data-count="existing">0<' in page
    assert 'data-count="invalid">2 ·' in page
    assert "Download invalid rows" in page
    assert "data-poll" not in page  # finished: nothing left to poll


# --- the pages: upload → map → start --------------------------------------------------


def test_upload_detects_the_phone_column_and_previews_rows_as_they_will_be_stored(member_client, workspace, tmp_path):
    path = write_csv(tmp_path / "list.csv", MIXED)
    with open(path, "rb") as handle:
        response = member_client.post(_url("import", workspace), {"file": handle}, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/map/")
    assert '<option value="2" selected>Mobile</option>' in page
    assert "+447911123456" in page  # row 2, "+44 7911 123456"
    assert "+442079460002" in page  # row 4, "0044 20 7946 0002"
    assert "“not a number” is not a valid phone number." in page
    assert OptOut.objects.count() == 0  # nothing is written before the member starts it


def test_the_upload_form_also_takes_the_reason_and_the_phone_column(member_client, workspace, tmp_path):
    """SPEC §7's import fields are file, reason and phone_column: a script can post all three in one go."""
    path = write_csv(tmp_path / "two.csv", [["Phone", "Other phone"], ["+447911123456", "+14155550123"]])
    with open(path, "rb") as handle:
        response = member_client.post(
            _url("import", workspace),
            {"file": handle, "reason": "Asked by phone", "phone_column": "other phone"},
            follow=True,
        )

    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/map/")
    assert '<option value="2" selected>Other phone</option>' in page
    assert "Asked by phone</textarea>" in page
    assert ImportJob.objects.values_list("phone_column", "reason").get() == ("Other phone", "Asked by phone")


def test_choosing_another_column_updates_the_preview(member_client, workspace, member, tmp_path):
    path = write_csv(tmp_path / "two.csv", [["Phone", "Other phone"], ["+447911123456", "+14155550123"]])
    job = upload(workspace, path, actor=member)

    page = member_client.get(_url("import_map", workspace, pk=job.pk), {"phone_column": "2"}).content.decode()

    assert '<option value="2" selected>Other phone</option>' in page
    assert "+14155550123" in page
    assert "+447911123456" not in page


def test_starting_the_import_runs_it_with_the_chosen_column_and_reason(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "two.csv", [["Phone", "Other phone"], ["+447911123456", "+14155550123"]])
    job = upload(workspace, path, actor=member)

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            _url("import_map", workspace, pk=job.pk), {"phone_column": "2", "reason": "Asked by phone"}
        )

    assert response.status_code == 302
    assert response.url == _url("import_job", workspace, pk=job.pk)
    optout = OptOut.objects.get(workspace=workspace)
    assert (optout.phone, optout.reason, optout.method, optout.created_by) == (
        "+14155550123",
        "Asked by phone",
        Method.IMPORT,
        member,
    )


def test_a_running_import_is_polled_for_its_progress_fragment(member_client, workspace, member, tmp_path):
    job = upload(workspace, write_csv(tmp_path / "list.csv", MIXED), actor=member)
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, phase=ImportJob.Phase.WRITING, total_rows=8, processed_rows=4
    )
    url = _url("import_job", workspace, pk=job.pk)

    page = member_client.get(url).content.decode()
    fragment = member_client.get(url, headers={"X-Requested-With": "fetch"}).content.decode()

    assert f'data-poll="{url}"' in page
    assert fragment.strip().startswith('<div class="job"')
    assert "Importing: 4 of 8 rows (55%)" in fragment  # checking the file was the first 10%
    assert 'aria-valuenow="55"' in fragment


def test_the_import_page_lists_earlier_imports(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    run_import(workspace, write_csv(tmp_path / "first.csv", MIXED), django_capture_on_commit_callbacks, actor=member)

    page = member_client.get(_url("import", workspace)).content.decode()

    assert "first.csv" in page
    assert 'data-count="added">5<' in page


def test_a_started_import_cannot_be_started_twice(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    job = upload(workspace, write_csv(tmp_path / "list.csv", MIXED), actor=member)
    url = _url("import_map", workspace, pk=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url, {"phone_column": "2"})
        second = member_client.post(url, {"phone_column": "2"})

    assert second.status_code == 302  # back to the job, not a second run
    assert ImportJob.objects.get(pk=job.pk).attempts == 1
    assert OptOutEvent.objects.count() == 5


# --- idempotency ----------------------------------------------------------------------


def _started(workspace, member, path) -> ImportJob:
    from imports import services

    job = upload(workspace, path, actor=member)
    services.start_import(job=job, phone_column=job.phone_index, queue=False)
    return job


def _many_rows(tmp_path, count: int):
    rows = [["phone"]] + [[f"+1 415 555 {i:04d}"] for i in range(count)] + [["+1 415 555 0000"], ["bad"]]
    return write_csv(tmp_path / "many.csv", rows)


def test_a_task_run_twice_gives_the_same_result(workspace, member, tmp_path):
    job = _started(workspace, member, _many_rows(tmp_path, 30))

    first = engine.run(job.id)
    again = engine.run(job.id)  # a redelivered message for a finished job

    assert again is None
    job.refresh_from_db()
    assert (first.added, first.duplicates, first.invalid) == (job.added, job.duplicates, job.invalid) == (30, 1, 1)
    assert OptOut.objects.count() == OptOutEvent.objects.count() == 30


def test_a_crash_while_writing_resumes_without_duplicating_rows_events_or_counts(
    workspace, member, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(engine, "BATCH", 7)
    job = _started(workspace, member, _many_rows(tmp_path, 30))
    real_target = targets.get("optouts")
    real_writer = real_target.write
    calls = []

    def crash_on_third_batch(job, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            real_writer(job, rows)  # the rows are written, then the worker dies before the commit
            raise RuntimeError("worker lost")
        return real_writer(job, rows)

    monkeypatch.setitem(targets._registry, "optouts", replace(real_target, write=crash_on_third_batch))
    with django_capture_on_commit_callbacks(execute=False) as requeued:
        engine.run(job.id)
    job.refresh_from_db()
    assert (job.status, job.phase, job.processed_rows, job.added, job.last_row) == (
        JobStatus.PENDING,
        "writing",
        14,
        14,
        15,
    )
    assert len(requeued) == 1  # handed back to the queue

    monkeypatch.setitem(targets._registry, "optouts", real_target)
    engine.run(job.id)

    job.refresh_from_db()
    assert (job.status, job.added, job.duplicates, job.invalid, job.attempts) == (JobStatus.SUCCEEDED, 30, 1, 1, 2)
    assert OptOut.objects.count() == OptOutEvent.objects.count() == 30


def test_a_worker_killed_mid_import_is_taken_over_after_its_heartbeat_stops(workspace, member, tmp_path, settings):
    settings.JOB_STALE_AFTER_SECONDS = 60
    job = _started(workspace, member, _many_rows(tmp_path, 30))
    claimed = jobs.claim(ImportJob, job.id)  # the first worker claims the job, then dies
    assert engine.run(job.id) is None  # its heartbeat is fresh: a second delivery must not run it

    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=claimed.heartbeat_at.replace(year=2000))
    finished = engine.run(job.id)

    assert (finished.status, finished.added, finished.attempts) == (JobStatus.SUCCEEDED, 30, 2)
    with pytest.raises(jobs.JobLost):  # the dead worker, should it wake up, can write nothing
        jobs.advance(claimed, processed_rows=1)


def test_the_tidy_task_requeues_a_stalled_import_then_gives_up_after_three_attempts(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    from optouts.tasks import tidy_import_export_jobs

    job = _started(workspace, member, _many_rows(tmp_path, 3))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1, heartbeat_at="2000-01-01T00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        result = tidy_import_export_jobs()
    assert result["imports_requeued"] == 1
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED

    stuck = _started(workspace, member, _many_rows(tmp_path, 3))
    ImportJob.objects.filter(pk=stuck.pk).update(status=JobStatus.RUNNING, attempts=3, heartbeat_at="2000-01-01T00:00Z")
    assert tidy_import_export_jobs()["imports_failed"] == 1
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.FAILED
    assert stuck.error.startswith("The import stopped because of an unexpected error after adding 0 numbers.")


def test_finished_imports_leave_no_staging_rows_or_uploaded_file(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    from imports.models import InvalidRow, SeenNumber

    job = upload(workspace, write_csv(tmp_path / "list.csv", MIXED), actor=member)
    stored = job.file.path
    job = run_import(workspace, write_csv(tmp_path / "list.csv", MIXED), django_capture_on_commit_callbacks)

    assert job.invalid == 2
    assert SeenNumber.objects.count() == InvalidRow.objects.count() == 0
    assert not job.file
    assert ImportJob.objects.filter(status=JobStatus.MAPPING).get().file.path == stored  # untouched draft


def test_the_portable_insert_used_off_postgresql_adds_the_same_rows_and_events(workspace, member):
    """SQLite (local runs) takes the bulk_create path of import_batch; it must write what the SQL path writes."""
    from optouts.services import _insert_imported_orm

    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL)
    numbers = ["+14155550123", "+14155550124", "+447911123456"]

    added = _insert_imported_orm(workspace, numbers, "old list", member, {"import_id": 7, "reason": "old list"})

    assert added == ["+14155550123", "+447911123456"]
    imported = OptOut.objects.filter(workspace=workspace, method=Method.IMPORT)
    assert {(o.phone, o.reason, o.created_by) for o in imported} == {
        ("+14155550123", "old list", member),
        ("+447911123456", "old list", member),
    }
    events = OptOutEvent.objects.filter(workspace=workspace, method=Method.IMPORT)
    assert {(e.phone, e.details["import_id"], e.details["reason"], e.actor) for e in events} == {
        ("+14155550123", 7, "old list", member),
        ("+447911123456", 7, "old list", member),
    }


def test_import_batch_off_postgresql_names_the_import_and_reason_on_each_event(workspace, member, monkeypatch):
    """Through import_batch itself: the details it builds reach the bulk_create path, and repeats are told apart."""
    monkeypatch.setattr(optout_services, "_insert_imported_pg", optout_services._insert_imported_orm)  # SQLite's path
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL)
    job = ImportJob.objects.create(workspace=workspace, kind="optouts", requested_by=member, reason="old list")
    batch = {"workspace": workspace, "reason": "old list", "actor": member, "import_job": job}

    assert optout_services.import_batch(phones=["+14155550123", "+14155550124", "+447911123456"], **batch) == (2, 1)
    # A later batch repeating a number this import added: neither added nor already there (the engine's duplicate).
    assert optout_services.import_batch(phones=["+447911123456", "+14155550124"], **batch) == (0, 1)

    events = OptOutEvent.objects.filter(workspace=workspace, method=Method.IMPORT).order_by("phone")
    assert [(e.phone, e.action, e.actor, e.details) for e in events] == [
        ("+14155550123", "opted_out", member, {"import_id": job.id, "reason": "old list"}),
        ("+447911123456", "opted_out", member, {"import_id": job.id, "reason": "old list"}),
    ]
