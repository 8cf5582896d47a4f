"""Running an import: check the whole file into staging, then write it in batches.

1. *Checking*: the file is streamed, every row read through the same
   :class:`~imports.mapping.RowReader` as the preview, and copied into the
   staging table in batches. A bad file (undecodable half-way, a damaged
   XLSX…) fails the job here, before anything was written.
2. Duplicates within the file are marked by one query; the invalid rows are
   written to a CSV in storage.
3. *Writing*: the valid first occurrences go to the target (opt-outs or
   contacts) in batches; each batch commits with its counts and the
   checkpoint ``last_row``, so a redelivered task resumes after the last
   committed batch without duplicating rows, events or counts.

Memory stays flat: the worker only ever holds one batch.
"""

from __future__ import annotations

import contextlib
import csv
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from optouts.models import ImportJob, JobStatus

from . import jobs, staging
from .csv_out import ENCODING, neutralise
from .mapping import Columns, RowReader, StagedRow, open_upload
from .reader import ImportFileError
from .storage import delete_quietly, local_path, move_into_place, partial_dir

log = logging.getLogger(__name__)

CHECK_BATCH = 5000
# Each write batch takes one advisory lock per number; PostgreSQL's shared lock
# table holds max_locks_per_transaction × max_connections (6,400 by default).
WRITE_BATCH = 1000
RETRY_AFTER_SECONDS = 30
Phase = ImportJob.Phase
Progress = Callable[[ImportJob], None]
Writer = Callable[[ImportJob, list[tuple[int, str, str, str]]], tuple[int, int]]


def _write_optouts(job: ImportJob, rows: list[tuple[int, str, str, str]]) -> tuple[int, int]:
    from optouts import services

    return services.import_batch(
        workspace=job.workspace,
        phones=[phone for _, phone, _, _ in rows],
        reason=job.reason,
        actor=job.requested_by,
        import_job=job,
    )


def _write_contacts(job: ImportJob, rows: list[tuple[int, str, str, str]]) -> tuple[int, int]:
    from contacts import services

    return services.import_batch(workspace=job.workspace, rows=[(phone, name, email) for _, phone, name, email in rows])


WRITERS: dict[str, Writer] = {ImportJob.Kind.OPTOUTS: _write_optouts, ImportJob.Kind.CONTACTS: _write_contacts}


def enqueue(job: ImportJob, *, countdown: int | None = None) -> None:
    """Send the job to a worker once the current transaction commits."""
    if job.kind == ImportJob.Kind.CONTACTS:
        from contacts.tasks import run_import
    else:
        from optouts.tasks import run_import
    transaction.on_commit(lambda: run_import.apply_async((job.id,), countdown=countdown))


def run(job_id: int, *, on_progress: Progress | None = None, retry: bool = True) -> ImportJob | None:
    """Claim and run an import; returns the job as it ended, or None if it was not ours.

    ``retry=False`` (the management command) fails the job on an unexpected
    error and re-raises, instead of handing it back to the queue.
    """
    job = jobs.claim(ImportJob, job_id)
    if job is None:
        log.info("Import %s is not waiting to run; nothing to do.", job_id)
        return None
    report = on_progress or (lambda job: None)
    try:
        if job.phase != Phase.WRITING:
            _check(job, report)
        _write(job, report)
        jobs.finish(job, status=JobStatus.SUCCEEDED, phase="")
    except jobs.JobLost:
        log.warning("Import %s was taken over by another attempt; this one stops.", job_id)
        return None
    except ImportFileError as error:
        staging.clear(job.id)
        jobs.fail(job, error.message, phase="")
    except Exception:
        log.exception("Import %s stopped unexpectedly (attempt %s).", job_id, job.attempts)
        _interrupted(job, retry=retry)
        if not retry:
            raise
        return _reload(job)
    _tidy(job)
    return _reload(job)


def _reload(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_related("workspace", "requested_by").get(id=job.id)


def _interrupted(job: ImportJob, *, retry: bool) -> None:
    try:
        if retry and job.attempts < jobs.MAX_ATTEMPTS:
            jobs.advance(job, status=JobStatus.PENDING)
            enqueue(job, countdown=RETRY_AFTER_SECONDS)
            return
        jobs.fail(job, interrupted_message(ImportJob.objects.get(id=job.id)))
    except jobs.JobLost:
        pass


def interrupted_message(job: ImportJob) -> str:
    noun = "contacts" if job.kind == ImportJob.Kind.CONTACTS else "numbers"
    return (
        f"The import stopped because of an unexpected error after adding {job.added:,} {noun}. "
        "Upload the file again to finish: rows already added will be skipped."
    )


def _check(job: ImportJob, report: Progress) -> None:
    staging.clear(job.id)
    jobs.advance(job, phase=Phase.CHECKING, processed_rows=0, total_rows=None)
    job.phase, job.processed_rows = Phase.CHECKING, 0
    columns = Columns(job.phone_index, job.name_index, job.email_index)
    read = RowReader(columns, job.workspace.default_region, contacts=job.kind == ImportJob.Kind.CONTACTS)
    with local_path(job.file) as path, open_upload(path) as table:
        if job.phone_index is None or job.phone_index >= len(table.headers):
            raise ImportFileError("Choose the column that holds the phone numbers, then start the import again.")
        job.total_rows = table.total_rows_estimate
        jobs.advance(job, total_rows=job.total_rows)
        batch: list[StagedRow] = []
        for number, cells in table.rows():
            batch.append(read(number, cells))
            if len(batch) == CHECK_BATCH:
                _stage(job, batch, report)
                batch = []
        _stage(job, batch, report)
    staging.mark_duplicates(job.id)
    counts = staging.counts(job.id)
    invalid_file = _write_invalid_file(job) if counts["invalid"] else ""
    summary = {
        "total_rows": counts["rows"],
        "processed_rows": counts["rows"],
        "invalid": counts["invalid"],
        "duplicates": counts["duplicates"],
        "to_write": counts["rows"] - counts["invalid"] - counts["duplicates"],
        "written": 0,
        "last_row": 0,
        "added": 0,
        "existing": 0,
        "invalid_file": invalid_file,
    }
    jobs.advance(job, phase=Phase.WRITING, **summary)
    for field, value in summary.items():
        setattr(job, field, value)
    job.phase = Phase.WRITING
    report(job)


@contextlib.contextmanager
def _batch_transaction() -> Iterator[None]:
    """A transaction for one batch and its checkpoint, committed without waiting for the disk.

    Safe here, and worth it (a flush per batch costs as much as the batch):
    a database crash can only lose the last batches *together with* their
    checkpoint, so the restarted job redoes exactly those.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _stage(job: ImportJob, batch: list[StagedRow], report: Progress) -> None:
    if not batch:
        return
    with _batch_transaction():
        staging.write(job.id, batch)
        jobs.advance(job, processed_rows=models.F("processed_rows") + len(batch))
    job.processed_rows += len(batch)
    report(job)


def _write_invalid_file(job: ImportJob) -> str:
    """Row number, original value and reason of every invalid row, as a CSV in storage."""
    local = partial_dir() / f"import-{job.id}-invalid.csv"
    with open(local, "w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "original_value", "reason"])
        for number, value, problem in staging.invalid_rows(job.id):
            writer.writerow([number, neutralise(value), neutralise(problem)])
    return move_into_place(local, f"imports/invalid/{job.workspace_id}/import-{job.id}-invalid-rows.csv")


def _write(job: ImportJob, report: Progress) -> None:
    write = WRITERS[job.kind]
    while rows := staging.candidates(job.id, after_row=job.last_row, limit=WRITE_BATCH):
        with _batch_transaction():
            added, existing = write(job, rows)
            jobs.advance(
                job,
                last_row=rows[-1][0],
                written=models.F("written") + len(rows),
                added=models.F("added") + added,
                existing=models.F("existing") + existing,
            )
        job.last_row = rows[-1][0]
        job.written += len(rows)
        job.added += added
        job.existing += existing
        report(job)


def _tidy(job: ImportJob) -> None:
    """After the job ended: drop its staging rows and the uploaded file (the summary stays)."""
    staging.clear(job.id)
    delete_quietly(job.file)
    ImportJob.objects.filter(id=job.id).update(file="")


def tidy_finished() -> int:
    """Clean up after jobs that ended without it (a crash right after the last commit)."""
    cleaned = 0
    ended = ImportJob.objects.filter(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).exclude(file="")
    for job in ended.only("id", "file"):
        _tidy(job)
        cleaned += 1
    abandoned = ImportJob.objects.filter(
        status=JobStatus.MAPPING, created_at__lt=timezone.now() - timedelta(days=1)
    ).exclude(file="")
    for job in abandoned.only("id", "file"):
        delete_quietly(job.file)
        ImportJob.objects.filter(id=job.id).update(file="", status=JobStatus.FAILED, error=ABANDONED)
        cleaned += 1
    return cleaned


ABANDONED = "No column was chosen within a day, so the uploaded file was deleted. Upload it again to import it."


def reap() -> tuple[int, int]:
    return jobs.reap(ImportJob, enqueue=enqueue, give_up_message=interrupted_message)
