"""Claiming and fencing background jobs (ImportJob, ExportJob).

A job is claimed with a compare-and-swap update that also increments
``attempts``. That number is the job's fencing token: every later write of
the worker (a batch checkpoint, the final status) is conditional on it, so a
worker that was presumed dead and replaced can never write behind its
successor. A job that hits an unexpected error is handed back to the queue
by :func:`hand_back`; one whose heartbeat stops (worker killed, machine
lost) by :func:`reap`. Either fails it after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import JobStatus

MAX_ATTEMPTS = 3
RETRY_AFTER_SECONDS = 30
Enqueue = Callable[..., None]  # enqueue(job, countdown=None): run the job again after commit


class JobLost(Exception):
    """Another worker has taken the job over (or it was cancelled): stop without writing."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def claim(model: type[models.Model], job_id: int):
    """Start (or take over a stalled) job; returns it, or None if it is not ours to run."""
    now = timezone.now()
    claimable = Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after())
    updated = (
        model.objects.filter(claimable, id=job_id, attempts__lt=MAX_ATTEMPTS)
        .order_by()
        .update(
            status=JobStatus.RUNNING,
            attempts=models.F("attempts") + 1,
            heartbeat_at=now,
            started_at=Coalesce("started_at", models.Value(now)),
            error="",
        )
    )
    if updated != 1:
        return None
    return model.objects.select_related("workspace", "requested_by").get(id=job_id)


def advance(job: models.Model, **changes) -> None:
    """Write progress (and beat the heart) only while ``job`` is still this worker's."""
    changes.setdefault("heartbeat_at", timezone.now())
    updated = (
        type(job)
        .objects.filter(id=job.id, attempts=job.attempts, status=JobStatus.RUNNING)
        .order_by()
        .update(**changes)
    )
    if updated != 1:
        raise JobLost(f"{type(job).__name__} {job.id} is no longer held by attempt {job.attempts}.")


def finish(job: models.Model, *, status: str, **changes) -> None:
    changes.setdefault("finished_at", timezone.now())
    advance(job, status=status, **changes)


def fail(job: models.Model, message: str, **changes) -> None:
    finish(job, status=JobStatus.FAILED, error=message, **changes)


def hand_back(
    job: models.Model, *, enqueue: Enqueue, give_up_message: Callable[[models.Model], str], retry: bool = True
) -> None:
    """After an unexpected error: queue another attempt in a while, or fail the job after its last.

    ``retry=False`` fails it at once. A job that is no longer ours is left alone.
    """
    try:
        if retry and job.attempts < MAX_ATTEMPTS:
            advance(job, status=JobStatus.PENDING)
            enqueue(job, countdown=RETRY_AFTER_SECONDS)
        else:
            fail(job, give_up_message(job))
    except JobLost:
        pass


def reap(
    model: type[models.Model], *, enqueue: Enqueue, give_up_message: Callable[[models.Model], str]
) -> tuple[int, int]:
    """Requeue running jobs whose heartbeat stopped; fail those out of attempts.

    Returns ``(requeued, failed)``.
    """
    now = timezone.now()
    requeued = failed = 0
    for job in model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after()).order_by("id"):
        held = model.objects.filter(id=job.id, attempts=job.attempts, status=JobStatus.RUNNING).order_by()
        with transaction.atomic():
            if job.attempts >= MAX_ATTEMPTS:
                failed += held.update(status=JobStatus.FAILED, error=give_up_message(job), finished_at=now)
            elif held.update(status=JobStatus.PENDING, heartbeat_at=now) == 1:
                requeued += 1
                transaction.on_commit(lambda job=job: enqueue(job))
    return requeued, failed
