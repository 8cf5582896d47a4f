"""Imports and exports through Redis and a real Celery worker process, crashes included."""

from __future__ import annotations

import pytest
from django.core.files import File

from imports import engine, services
from imports.models import ImportJob, JobStatus
from optouts import exports
from optouts import services as optout_services
from optouts.models import ExportJob, Method, OptOut, OptOutEvent
from tests.imports.files import write_csv
from tests.support import file_email_backend
from tests.support.waits import wait_for
from tests.support.worker import Worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch, tmp_path, celery_worker_factory):
    """A worker whose emails land in this test's folder."""
    monkeypatch.setenv("TEST_EMAIL_DIR", str(tmp_path / "mail"))
    return celery_worker_factory()


@pytest.fixture
def celery_worker_factory(request):
    # Resolved lazily so TEST_EMAIL_DIR is in the environment the worker inherits.
    return lambda: request.getfixturevalue("celery_worker")


def _wait_for(model, pk: int, predicate, timeout: float = 90):
    def done():
        job = model.objects.get(pk=pk)
        return job if predicate(job) else None

    return wait_for(done, f"{model.__name__} {pk} is done", timeout=timeout, every=0.2)


def _upload(workspace, member, path) -> ImportJob:
    with open(path, "rb") as handle:
        job = services.create_import(
            workspace=workspace, kind="optouts", upload=File(handle, name=path.name), actor=member, reason="moved"
        )
    return job


def test_an_import_runs_on_a_real_worker(worker, workspace, member, tmp_path):
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL)
    rows = [["phone"], ["+44 7911 123456"], ["(415) 555-0123"], ["447911123456"], ["(415) 555-0124"], ["junk"]]
    job = _upload(workspace, member, write_csv(tmp_path / "list.csv", rows))

    services.start_import(job=job, phone_column=0)  # queued on commit, to Redis

    job = _wait_for(ImportJob, job.pk, lambda j: not j.is_active)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.added, job.duplicates, job.existing, job.invalid) == (2, 1, 1, 1)
    assert OptOutEvent.objects.filter(method=Method.IMPORT).count() == 2
    assert job.invalid_file.open("rb").read().decode("utf-8-sig").splitlines()[1].startswith("6,junk,")


def test_an_import_whose_worker_is_killed_resumes_on_another_without_duplicates(
    worker, workspace, member, tmp_path, redis_url
):
    rows = [["phone"]] + [[f"+1 415 555 {i % 9000 + 1000:04d}"] for i in range(24_000)]
    job = _upload(workspace, member, write_csv(tmp_path / "big.csv", rows))
    services.start_import(job=job, phone_column=0)
    _wait_for(ImportJob, job.pk, lambda j: j.phase == ImportJob.Phase.WRITING and j.processed_rows > 0, timeout=120)

    worker.kill()  # SIGKILL mid-write, as on an OOM kill
    stalled = ImportJob.objects.get(pk=job.pk)
    assert (stalled.status, stalled.attempts) == (JobStatus.RUNNING, 1)
    replacement = Worker(
        broker=redis_url, database_url=worker.database_url, queue=worker.queue, extra_env=worker.extra_env
    )
    from emuchat.celery import app

    replacement.start(app)
    try:
        # The killed worker's heartbeat has stopped; age it past the stale window instead of waiting it out.
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at="2000-01-01T00:00Z")
        assert engine.reap() == (1, 0)  # the periodic task's reaper hands it back to the queue
        job = _wait_for(ImportJob, job.pk, lambda j: not j.is_active, timeout=120)
    finally:
        replacement.stop()

    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert (job.added, job.duplicates, job.invalid) == (9000, 15_000, 0)
    assert OptOut.objects.count() == OptOutEvent.objects.count() == 9000


def test_an_export_runs_on_a_real_worker_and_emails_once(worker, workspace, member, client):
    for number in ("+14155550123", "+447911123456"):
        optout_services.opt_out(workspace=workspace, phone=number, method=Method.MANUAL, actor=member)

    job = exports.start_export(workspace=workspace, actor=member, notify=True)

    job = _wait_for(ExportJob, job.pk, lambda j: not j.is_active)
    assert job.status == JobStatus.SUCCEEDED, job.error
    lines = job.file.open("rb").read().decode("utf-8-sig").splitlines()
    assert lines[0] == "phone,contact,method,reason,opted_out_at,added_by"
    assert {line.split(",")[0] for line in lines[1:]} == {"+14155550123", "+447911123456"}
    emails = wait_for(file_email_backend.read, "the export email is sent", timeout=10, every=0.1)
    assert len(emails) == 1
    link = emails[0]["body"].split("https://emu.example.com", 1)[1].split()[0]
    client.force_login(member)
    assert client.get(link).status_code == 200
    assert b"".join(client.get(link + "download/").streaming_content).startswith(b"\xef\xbb\xbfphone,")


def test_a_stalled_export_is_restarted_by_the_periodic_task_on_the_worker(worker, workspace, member, settings):
    from imports import jobs
    from optouts.tasks import tidy_import_export_jobs

    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    job = ExportJob.objects.create(workspace=workspace, requested_by=member)
    jobs.claim(ExportJob, job.id)  # claimed by a worker that then died
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at="2000-01-01T00:00Z")

    tidy_import_export_jobs.delay().get(timeout=30)

    job = _wait_for(ExportJob, job.pk, lambda j: not j.is_active)
    assert (job.status, job.attempts, job.total_rows) == (JobStatus.SUCCEEDED, 2, 1)
