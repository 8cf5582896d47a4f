"""imports owns its jobs and knows its targets only by what they registered."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File

from imports import services, targets
from imports.models import ImportJob, JobStatus
from optouts.models import ExportJob

from .files import write_csv


def test_opt_outs_and_contacts_register_themselves_as_targets():
    assert set(targets.names()) == {"optouts", "contacts"}
    assert targets.get("contacts").contacts and not targets.get("optouts").contacts
    assert dict(ImportJob._meta.get_field("kind").choices) == {"optouts": "Opt-outs", "contacts": "Contacts"}


def test_an_unknown_target_is_refused_before_anything_is_stored(workspace, tmp_path):
    path = write_csv(tmp_path / "list.csv", [["phone"], ["+14155550123"]])
    with pytest.raises(ValidationError, match="is not something we can import"), open(path, "rb") as upload:
        services.create_import(workspace=workspace, kind="invoices", upload=File(upload, name="list.csv"))
    assert not ImportJob.objects.exists()


def test_import_jobs_keep_the_table_they_had_under_optouts():
    assert ImportJob._meta.app_label == "imports"
    assert ImportJob._meta.db_table == "optouts_importjob"


@pytest.mark.parametrize(
    ("phase", "processed", "expected"),
    [("checking", 50, 5), ("writing", 0, 10), ("writing", 50, 55), ("writing", 100, 99)],
)
def test_an_import_bar_gives_checking_a_tenth_and_writing_the_rest(phase, processed, expected):
    job = ImportJob(status=JobStatus.RUNNING, phase=phase, total_rows=100, processed_rows=processed)
    assert job.percent == expected and job.is_active


def test_both_kinds_of_job_share_status_and_progress():
    export = ExportJob(status=JobStatus.RUNNING, total_rows=200, processed_rows=50)
    assert (export.percent, export.is_active) == (25, True)
    done = ImportJob(status=JobStatus.SUCCEEDED, phase="", total_rows=100, processed_rows=100)
    assert (done.percent, done.is_active) == (100, False)
    assert ExportJob(status=JobStatus.PENDING).percent == 0
