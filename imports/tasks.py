"""The Celery task for every import, opt-outs and contacts alike: an id in, the engine does the work."""

from __future__ import annotations

from celery import shared_task

from . import engine


@shared_task
def run_import(job_id: int) -> str | None:
    job = engine.run(job_id)
    return job.status if job else None
