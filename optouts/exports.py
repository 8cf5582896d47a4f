"""Exporting the opt-out list as CSV (SPEC §9), in the background, in flat memory."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import CharField, Func
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from emuchat.celery import enqueue_on_commit
from imports import jobs
from imports.csv_out import FORMULA_START, neutralise
from imports.models import JobStatus
from imports.storage import delete_quietly, move_into_place, partial_dir
from workspaces import zones
from workspaces.models import Workspace

from .models import Consent, ExportJob, OptOut

log = logging.getLogger(__name__)

HEADER = ["phone", "contact", "method", "reason", "opted_out_at", "added_by"]
# On request (ExportJob.include_consent): the number's latest consent record, if it has one.
CONSENT_HEADER = ["last_consent_at", "last_consent_method", "last_consent_text"]
CHUNK = 5000


class _UtcIso(Func):
    """``created_at`` as ``2026-03-04T05:06:07Z``, formatted by the database.

    A million datetimes built in Python only to be printed again cost more
    than the rest of a row.
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
        return self.as_sql(compiler, connection, template=template)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %(expressions)s)")


def _contact_names(workspace: Workspace, numbers: list[str]) -> dict[str, str]:
    """Names of the contacts sharing each number, joined by "; ", in one query per chunk."""
    names: dict[str, list[str]] = defaultdict(list)
    rows = (
        # __any: one array parameter, not 5,000 placeholders to bind and plan (a frozenset,
        # which Django passes through whole instead of resolving value by value).
        Contact.objects.filter(workspace=workspace, phone__any=frozenset(numbers))
        .exclude(name="")
        .order_by("phone", "name", "id")
        .values_list("phone", "name")
    )
    for phone, name in rows:
        names[phone].append(name)
    return {phone: "; ".join(found) for phone, found in names.items()}


def write_export(
    *,
    workspace: Workspace,
    out: BinaryIO,
    on_progress: Callable[[int], None] | None = None,
    copy: bool | None = None,
    consent: bool = False,
) -> int:
    """Write the workspace's list to the binary file ``out``; returns the number of rows.

    UTF-8 with a BOM, in the order the numbers were added. Every text cell a
    person or a file wrote is neutralised against formulas; the E.164 phone is
    left as is so the file imports back unchanged. Memory is flat whatever the
    list's size: PostgreSQL streams the rows with COPY (``copy``, the default
    there); elsewhere keyset pages of CHUNK rows are written by Python. Both
    give the same rows to a CSV reader (tests/imports/test_export.py checks it).
    ``consent`` adds CONSENT_HEADER: each number's latest consent record.
    """
    out.write(codecs.BOM_UTF8)
    use_copy = connection.vendor == "postgresql" if copy is None else copy
    write = _copy_rows if use_copy else _python_rows
    return write(workspace, out, on_progress or (lambda rows: None), consent=consent)


def _neutralised(column: str) -> str:
    """SQL for :func:`imports.csv_out.neutralise`; empty text becomes NULL, which CSV writes as nothing."""
    starts = ", ".join(f"chr({ord(char)})" for char in sorted(FORMULA_START))
    return f"NULLIF(CASE WHEN left({column}, 1) IN ({starts}) THEN chr(39) || {column} ELSE {column} END, '')"


# COPY takes no bind parameters; the only value put in is the workspace's integer id.
_COPY_SQL = """
    COPY (
        SELECT o.phone, {contact}, o.method, {reason},
               to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), {username}{consent_columns}
        FROM optouts_optout o
        LEFT JOIN auth_user u ON u.id = o.created_by_id{consent_join}
        LEFT JOIN (
            SELECT phone, string_agg(name, '; ' ORDER BY name, id) AS names FROM contacts_contact
            WHERE workspace_id = {workspace} AND name <> '' GROUP BY phone
        ) c ON c.phone = o.phone
        WHERE o.workspace_id = {workspace}
        ORDER BY o.id
    ) TO STDOUT WITH (FORMAT csv)"""


# The latest consent of each number, by the (workspace, phone, created_at) index.
_CONSENT_JOIN = """
        LEFT JOIN LATERAL (
            SELECT created_at, method, text FROM optouts_consent
            WHERE workspace_id = {workspace} AND phone = o.phone ORDER BY created_at DESC, id DESC LIMIT 1
        ) k ON true"""
_CONSENT_COLUMNS = """,
               to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), k.method, {text}"""


def _copy_rows(workspace: Workspace, out: BinaryIO, on_progress: Callable[[int], None], *, consent: bool) -> int:
    sql = _COPY_SQL.format(
        contact=_neutralised("c.names"),
        reason=_neutralised("o.reason"),
        username=_neutralised("u.username"),
        workspace=int(workspace.id),
        consent_columns=_CONSENT_COLUMNS.format(text=_neutralised("k.text")) if consent else "",
        consent_join=_CONSENT_JOIN.format(workspace=int(workspace.id)) if consent else "",
    )
    header = HEADER + CONSENT_HEADER if consent else HEADER
    out.write((",".join(header) + "\n").encode())  # COPY's CSV ends lines with LF
    with _Heartbeat(on_progress) as heartbeat, connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            for block in copy:
                data = bytes(block)
                out.write(data)
                heartbeat.rows += data.count(b"\n")  # progress only: a line break in a reason counts twice
        rows = cursor.rowcount
    on_progress(rows)
    return rows


class _Heartbeat:
    """Reports progress once a second from another thread while the COPY holds the connection.

    The report writes the job's progress and heartbeat, which needs a
    connection of its own (it is the thread's). Inside a caller's transaction
    (tests) another connection could not see the job, so there is no thread
    and the progress is reported at the end.
    """

    EVERY = 1.0  # seconds

    def __init__(self, report: Callable[[int], None]) -> None:
        self.rows = 0
        self._report = report
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = None if connection.in_atomic_block else threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.EVERY):
                self._report(self.rows)
        except BaseException as error:  # noqa: BLE001 - handed to the exporting thread
            self._error = error
        finally:
            connections.close_all()

    def __enter__(self) -> _Heartbeat:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._error is not None and exc_info[0] is None:
            raise self._error  # e.g. JobLost: another attempt owns the job now


def _latest_consents(workspace: Workspace, numbers: list[str]) -> dict[str, tuple[str, str, str]]:
    """Each number's latest consent as ``(at, method, text)``, in one query per chunk."""
    rows = (
        Consent.objects.filter(workspace=workspace, phone__any=frozenset(numbers))
        .order_by("phone", "-created_at", "-id")
        .annotate(at=_UtcIso("created_at"))
        .values_list("phone", "at", "method", "text")
    )
    latest: dict[str, tuple[str, str, str]] = {}
    for phone, at, method, text in rows:
        latest.setdefault(phone, (at, method, neutralise(text)))
    return latest


def _python_rows(workspace: Workspace, out: BinaryIO, on_progress: Callable[[int], None], *, consent: bool) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        # CRLF, so that a CR inside a reason is quoted (Python's csv only quotes line-ending characters).
        writer = csv.writer(text)
        writer.writerow(HEADER + CONSENT_HEADER if consent else HEADER)
        last_id = written = 0
        base = OptOut.objects.filter(workspace=workspace).order_by("id").annotate(at=_UtcIso("created_at"))
        fields = ("id", "phone", "method", "reason", "at", "created_by__username")
        while page := list(base.filter(id__gt=last_id).values_list(*fields)[:CHUNK]):
            contacts = _contact_names(workspace, [row[1] for row in page])
            consents = _latest_consents(workspace, [row[1] for row in page]) if consent else {}
            no_consent = ("", "", "") if consent else ()
            writer.writerows(
                (phone, neutralise(contacts.get(phone, "")), method, neutralise(reason), at, neutralise(user or ""))
                + consents.get(phone, no_consent)
                for _, phone, method, reason, at, user in page
            )
            last_id = page[-1][0]
            written += len(page)
            on_progress(written)
        return written
    finally:
        text.detach()  # leave ``out`` open for the caller


def start_export(*, workspace: Workspace, actor, notify: bool = False, include_consent: bool = False) -> ExportJob:
    with transaction.atomic():
        job = ExportJob.objects.create(
            workspace=workspace,
            requested_by=actor,
            notify=notify,
            include_consent=include_consent,
            heartbeat_at=timezone.now(),
        )
        enqueue(job)
    return job


def file_name(job: ExportJob) -> str:
    """What the download is called on the member's computer."""
    day = timezone.localtime(job.finished_at or job.created_at).date().isoformat()
    return f"opt-outs-{job.workspace.slug}-{day}.csv"


def run_export_job(job_id: int) -> ExportJob | None:
    """Claim and run an export; a job that is not waiting (or is another worker's) is left alone."""
    job = jobs.claim(ExportJob, job_id)
    if job is None:
        log.info("Export %s is not waiting to run; nothing to do.", job_id)
        return None
    # One partial file per attempt: a worker presumed dead must not write into its successor's.
    local = partial_dir() / f"export-{job.id}-{job.attempts}.csv.partial"
    try:
        total = OptOut.objects.filter(workspace=job.workspace).count()
        jobs.advance(job, total_rows=total, processed_rows=0)
        with open(local, "wb") as out:
            rows = write_export(
                workspace=job.workspace,
                out=out,
                on_progress=lambda done: jobs.advance(job, processed_rows=done),
                consent=job.include_consent,
            )
        size = local.stat().st_size
        # Moved into place only when complete: the download never serves half a file.
        stored = move_into_place(local, f"exports/{job.workspace_id}/export-{job.id}.csv")
        now = timezone.now()
        jobs.finish(
            job,
            status=JobStatus.SUCCEEDED,
            file=stored,
            size=size,
            total_rows=rows,
            processed_rows=rows,
            finished_at=now,
            expires_at=now + timedelta(days=settings.EXPORT_RETENTION_DAYS),
        )
    except jobs.JobLost:
        log.warning("Export %s was taken over by another attempt; this one stops.", job_id)
        local.unlink(missing_ok=True)
        return None
    except Exception:
        log.exception("Export %s stopped unexpectedly (attempt %s).", job_id, job.attempts)
        local.unlink(missing_ok=True)
        jobs.hand_back(job, enqueue=enqueue, give_up_message=interrupted_message)
        return ExportJob.objects.get(id=job.id)
    job = ExportJob.objects.select_related("workspace", "requested_by").get(id=job.id)
    notify_ready(job)
    return job


def interrupted_message(job: ExportJob) -> str:
    return "The export was interrupted and could not be finished. Start a new export to try again."


def enqueue(job: ExportJob, *, countdown: int | None = None) -> None:
    enqueue_on_commit("optouts.tasks.run_export", job.id, countdown=countdown)


def download_page_url(job: ExportJob) -> str:
    path = reverse("optouts:export_job", kwargs={"slug": job.workspace.slug, "pk": job.pk})
    return settings.SITE_URL + path


def notify_ready(job: ExportJob) -> bool:
    """Email the member who asked, once: the claim on ``notified_at`` stops a second email."""
    user = job.requested_by
    if not job.notify or job.status != JobStatus.SUCCEEDED or user is None or not user.email:
        return False
    claimed = (
        ExportJob.objects.filter(id=job.id, notified_at__isnull=True, status=JobStatus.SUCCEEDED)
        .order_by()
        .update(notified_at=timezone.now())
    )
    if claimed != 1:
        return False
    context = {"job": job, "url": download_page_url(job), "user": user, "days": settings.EXPORT_RETENTION_DAYS}
    try:
        zones.send_mail(
            workspace=job.workspace,
            subject=f"Your opt-out export for {job.workspace.name} is ready",
            template="optouts/email/export_ready.txt",
            context=context,
            recipient_list=[user.email],
        )
    except Exception:
        # Better no email than two: hand the claim back so the tidy task can try again.
        log.exception("Could not send the export-ready email for export %s.", job.id)
        ExportJob.objects.filter(id=job.id).update(notified_at=None)
        return False
    return True


def expire(now=None) -> int:
    """Delete export files past their retention; the job stays, marked expired."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(expired=False, expires_at__lte=now).order_by("id"):
        delete_quietly(job.file)
        expired += ExportJob.objects.filter(id=job.id, expired=False).update(expired=True, file="")
    return expired


def retry_notifications() -> int:
    """Emails that failed to send (claim handed back) for exports of the last day."""
    since = timezone.now() - timedelta(days=1)
    waiting = ExportJob.objects.filter(
        notify=True, notified_at__isnull=True, status=JobStatus.SUCCEEDED, expired=False, finished_at__gte=since
    ).select_related("workspace", "requested_by")
    return sum(notify_ready(job) for job in waiting)


def reap() -> tuple[int, int]:
    return jobs.reap(ExportJob, enqueue=enqueue, give_up_message=interrupted_message)
