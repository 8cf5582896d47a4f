"""Running an import: check the whole file, then read it again writing in batches.

1. *Checking*: the file is streamed once through the reader. A bad file
   (undecodable half-way, a damaged XLSX…) fails the job here, before
   anything was written.
2. *Importing*: the file is streamed again; each batch of rows is read
   through the same :class:`~imports.mapping.RowReader` as the preview and
   written in one transaction together with its counts and the checkpoint
   ``last_row``. A number met earlier in the file is told apart from one
   already on the list by what the database holds (this import's own events;
   for contacts, a table of numbers met), never by a set in memory.
   A redelivered task resumes after the last committed batch without
   duplicating rows, events or counts.

The worker holds one batch (two while the next is parsed), whatever the size.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.utils import timezone

from emuchat.celery import enqueue_on_commit

from . import jobs, parsing, staging
from .csv_out import ENCODING, neutralise
from .mapping import Columns, StagedRow, open_upload
from .models import ImportJob, JobStatus
from .reader import ImportFileError, Table
from .storage import delete_quietly, local_path, move_into_place, partial_dir

log = logging.getLogger(__name__)

# Each batch takes one advisory lock per number; PostgreSQL's shared lock table
# holds max_locks_per_transaction × max_connections (6,400 by default).
BATCH = 1000
CHECK_PROGRESS_EVERY = 20_000
# Below this many rows, starting worker processes costs more than it saves.
PARALLEL_FROM_ROWS = 20_000
Phase = ImportJob.Phase
Progress = Callable[[ImportJob], None]


def enqueue(job: ImportJob, *, countdown: int | None = None) -> None:
    """Send the job to a worker (imports.tasks.run_import) once the current transaction commits."""
    enqueue_on_commit("imports.tasks.run_import", job.id, countdown=countdown)


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
        if not job.file:
            raise ImportFileError("The uploaded file is no longer here. Upload it again to import it.")
        with local_path(job.file) as path:
            if job.phase != Phase.WRITING:
                _check(job, path, report)
            _import(job, path, report)
        _finish(job)
    except jobs.JobLost:
        log.warning("Import %s was taken over by another attempt; this one stops.", job_id)
        return None
    except ImportFileError as error:
        staging.clear(job.id)
        try:
            jobs.fail(job, error.message, phase="")
        except jobs.JobLost:
            return None
    except Exception:
        log.exception("Import %s stopped unexpectedly (attempt %s).", job_id, job.attempts)
        jobs.hand_back(job, enqueue=enqueue, give_up_message=interrupted_message, retry=retry)
        if not retry:
            raise
        return _reload(job)
    _tidy(job)
    return _reload(job)


def _reload(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_related("workspace", "requested_by").get(id=job.id)


def interrupted_message(job: ImportJob) -> str:
    noun = job.target.noun
    added = ImportJob.objects.values_list("added", flat=True).get(id=job.id)  # as committed
    return (
        f"The import stopped because of an unexpected error after adding {added:,} {noun}. "
        "Upload the file again to finish: rows already added will be skipped."
    )


def _open(job: ImportJob, path: Path) -> Table:
    table = open_upload(path, has_header=job.has_header_row)
    if job.phone_index is None or job.phone_index >= len(table.headers):
        table.close()
        raise ImportFileError("Choose the column that holds the phone numbers, then start the import again.")
    return table


def _check(job: ImportJob, path: Path, report: Progress) -> None:
    """Read the whole file before writing anything: a bad byte at row 900,000 must change nothing."""
    jobs.advance(job, phase=Phase.CHECKING, processed_rows=0, total_rows=None)
    job.phase, job.processed_rows = Phase.CHECKING, 0
    with _open(job, path) as table:
        job.total_rows = table.total_rows_estimate
        jobs.advance(job, total_rows=job.total_rows)
        report(job)
        rows = 0
        for _ in table.rows():
            rows += 1
            if rows % CHECK_PROGRESS_EVERY == 0:
                jobs.advance(job, processed_rows=rows)
                job.processed_rows = rows
                report(job)
    job.processed_rows = job.total_rows = rows
    report(job)
    staging.clear(job.id)
    fresh = {"total_rows": rows, "processed_rows": 0, "last_row": 0, "invalid_file": ""}
    fresh |= dict.fromkeys(("added", "duplicates", "existing", "invalid"), 0)
    jobs.advance(job, phase=Phase.WRITING, **fresh)
    for field, value in fresh.items():
        setattr(job, field, value)
    job.phase = Phase.WRITING
    report(job)


def _import(job: ImportJob, path: Path, report: Progress) -> None:
    columns = Columns(job.phone_index, job.name_index, job.email_index)
    consent = job.target.consent_column(job.headers, columns, has_header=job.has_header_row)
    columns = Columns(job.phone_index, job.name_index, job.email_index, consent)
    region = job.workspace.default_region
    with (
        _open(job, path) as table,
        _parser(job, columns, region) as parse,
        _Pipeline(threaded=_can_overlap()) as pipeline,
    ):
        for rows in parse(_batches(table.rows(), after=job.last_row)):
            pipeline.submit(_write_batch, job, rows, report)


def _batches(rows: Iterator[tuple[int, list[str]]], *, after: int) -> Iterator[list[tuple[int, list[str]]]]:
    batch = []
    for number, cells in rows:
        if number <= after:
            continue  # committed by an earlier attempt
        batch.append((number, cells))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def _parser(job: ImportJob, columns: Columns, region: str) -> Iterator[parsing.Parse]:
    """Parse in worker processes for a big file (see imports.parsing), else right here."""
    processes = settings.IMPORT_PARSE_PROCESSES
    if processes and (job.total_rows or 0) - job.last_row >= PARALLEL_FROM_ROWS:
        with parsing.in_workers(job.kind, columns, region, processes=processes) as parse:
            if parse is not None:
                yield parse
                return
    yield parsing.in_process(job.target.parser(columns, region))


def _write_batch(job: ImportJob, rows: list[StagedRow], report: Progress) -> None:
    """One batch, its bookkeeping and the checkpoint, in one transaction."""
    first: dict[str, StagedRow] = {}
    invalid: list[StagedRow] = []
    duplicates = 0
    for row in rows:
        if not row.phone:
            invalid.append(row)
        elif row.phone in first:
            duplicates += 1
        else:
            first[row.phone] = row
    with _batch_transaction():
        added, existing = job.target.write(job, list(first.values())) if first else (0, 0)
        # Neither added nor already there: met earlier in the file.
        duplicates += len(first) - added - existing
        staging.write_invalid(job.id, invalid)
        jobs.advance(
            job,
            last_row=rows[-1].number,
            processed_rows=models.F("processed_rows") + len(rows),
            added=models.F("added") + added,
            existing=models.F("existing") + existing,
            duplicates=models.F("duplicates") + duplicates,
            invalid=models.F("invalid") + len(invalid),
        )
    job.last_row = rows[-1].number
    job.processed_rows += len(rows)
    job.added += added
    job.existing += existing
    job.duplicates += duplicates
    job.invalid += len(invalid)
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


def _can_overlap() -> bool:
    # A second connection cannot see an open transaction's rows (tests run
    # inside one), and SQLite allows one writer: then batches run in turn.
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Pipeline:
    """Writes batch *k* on a second thread and connection while the caller parses batch *k + 1*.

    Parsing numbers is Python's work and writing them is the database's, so
    overlapping them uses both cores instead of taking turns. One batch is in
    flight at a time: batches still commit in file order and memory stays flat.
    """

    # The writer makes ~10 round trips a batch and needs the GIL back after
    # each; at the default 5 ms switch interval it would wait for the parser
    # more than for the database.
    SWITCH_INTERVAL = 0.0002

    def __init__(self, *, threaded: bool) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="import-writer") if threaded else None
        self._pending: Future | None = None
        self._switch_interval = sys.getswitchinterval()

    def submit(self, function: Callable[..., None], *args) -> None:
        self.wait()
        if self._executor is None:
            function(*args)
        else:
            self._pending = self._executor.submit(function, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()  # re-raises the batch's error here

    def __enter__(self) -> _Pipeline:
        if self._executor is not None:
            sys.setswitchinterval(self.SWITCH_INTERVAL)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self.wait()
            elif self._pending is not None:
                wait_for([self._pending])  # let the batch in flight commit or roll back first
        finally:
            if self._executor is not None:
                sys.setswitchinterval(self._switch_interval)
                self._executor.submit(connections.close_all).result()
                self._executor.shutdown()


def _finish(job: ImportJob) -> None:
    invalid = ImportJob.objects.values_list("invalid", flat=True).get(id=job.id)
    jobs.finish(job, status=JobStatus.SUCCEEDED, phase="", invalid_file=_write_invalid_file(job) if invalid else "")


def _write_invalid_file(job: ImportJob) -> str:
    """Row number, original value and reason of every invalid row, as a CSV in storage."""
    local = partial_dir() / f"import-{job.id}-{job.attempts}-invalid.csv"  # one per attempt: never shared
    with open(local, "w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "original_value", "reason"])
        for number, value, problem in staging.invalid_rows(job.id):
            writer.writerow([number, neutralise(value), neutralise(problem)])
    return move_into_place(local, f"imports/invalid/{job.workspace_id}/import-{job.id}-invalid-rows.csv")


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
