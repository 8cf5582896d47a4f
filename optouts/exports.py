"""Exporting the opt-out list as CSV (SPEC §9), in the background, in flat memory."""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import TextIO

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from imports import jobs
from imports.csv_out import ENCODING, neutralise
from imports.storage import delete_quietly, move_into_place, partial_dir
from workspaces.models import Workspace

from .models import ExportJob, JobStatus, OptOut

log = logging.getLogger(__name__)

HEADER = ["phone", "contact", "method", "reason", "opted_out_at", "added_by"]
CHUNK = 5000
RETRY_AFTER_SECONDS = 30


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _contact_names(workspace: Workspace, numbers: list[str]) -> dict[str, str]:
    """Names of the contacts sharing each number, joined by "; ", in one query per chunk."""
    names: dict[str, list[str]] = defaultdict(list)
    rows = (
        Contact.objects.filter(workspace=workspace, phone__in=numbers)
        .exclude(name="")
        .order_by("phone", "name", "id")
        .values_list("phone", "name")
    )
    for phone, name in rows:
        names[phone].append(name)
    return {phone: "; ".join(found) for phone, found in names.items()}


def write_export(*, workspace: Workspace, out: TextIO, on_progress: Callable[[int], None] | None = None) -> int:
    """Write the workspace's list to ``out`` (text, newline=""); returns the number of rows.

    Keyset pages of CHUNK rows in the order they were added, so memory holds
    one page whatever the list's size. Every text cell a person or a file
    wrote is neutralised against formulas; the E.164 phone is left as is so
    the file imports back unchanged.
    """
    writer = csv.writer(out)
    writer.writerow(HEADER)
    last_id = written = 0
    base = OptOut.objects.filter(workspace=workspace).order_by("id")
    while True:
        page = list(
            base.filter(id__gt=last_id).values_list(
                "id", "phone", "method", "reason", "created_at", "created_by__username"
            )[:CHUNK]
        )
        if not page:
            return written
        contacts = _contact_names(workspace, [row[1] for row in page])
        writer.writerows(
            (
                phone,
                neutralise(contacts.get(phone, "")),
                method,
                neutralise(reason),
                _utc(created_at),
                neutralise(username or ""),
            )
            for _, phone, method, reason, created_at, username in page
        )
        last_id = page[-1][0]
        written += len(page)
        if on_progress is not None:
            on_progress(written)


def start_export(*, workspace: Workspace, actor, notify: bool = False) -> ExportJob:
    from .tasks import run_export

    with transaction.atomic():
        job = ExportJob.objects.create(
            workspace=workspace, requested_by=actor, notify=notify, heartbeat_at=timezone.now()
        )
        transaction.on_commit(lambda: run_export.delay(job.id))
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
    local = partial_dir() / f"export-{job.id}.csv.partial"
    try:
        total = OptOut.objects.filter(workspace=job.workspace).count()
        jobs.advance(job, total_rows=total, processed_rows=0)
        with open(local, "w", encoding=ENCODING, newline="") as out:
            rows = write_export(
                workspace=job.workspace, out=out, on_progress=lambda done: jobs.advance(job, processed_rows=done)
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
        _interrupted(job)
        return ExportJob.objects.get(id=job.id)
    job = ExportJob.objects.select_related("workspace", "requested_by").get(id=job.id)
    notify_ready(job)
    return job


def interrupted_message(job: ExportJob) -> str:
    return "The export was interrupted and could not be finished. Start a new export to try again."


def _interrupted(job: ExportJob) -> None:
    try:
        if job.attempts < jobs.MAX_ATTEMPTS:
            jobs.advance(job, status=JobStatus.PENDING)
            enqueue(job, countdown=RETRY_AFTER_SECONDS)
        else:
            jobs.fail(job, interrupted_message(job))
    except jobs.JobLost:
        pass


def enqueue(job: ExportJob, *, countdown: int | None = None) -> None:
    from .tasks import run_export

    transaction.on_commit(lambda: run_export.apply_async((job.id,), countdown=countdown))


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
        send_mail(
            subject=f"Your opt-out export for {job.workspace.name} is ready",
            message=render_to_string("optouts/email/export_ready.txt", context),
            from_email=None,
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
