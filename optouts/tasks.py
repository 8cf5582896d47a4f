"""Thin Celery wrappers for exports and the periodic tidy-up (imports run in imports.tasks)."""

from __future__ import annotations

from celery import shared_task

from imports import engine

from . import exports


@shared_task
def run_export(job_id: int) -> str | None:
    job = exports.run_export_job(job_id)
    return job.status if job else None


@shared_task
def tidy_import_export_jobs() -> dict[str, int]:
    """Periodic: expire old exports, restart or fail jobs whose worker died, clean up."""
    imports_requeued, imports_failed = engine.reap()
    exports_requeued, exports_failed = exports.reap()
    return {
        "exports_expired": exports.expire(),
        "imports_requeued": imports_requeued,
        "imports_failed": imports_failed,
        "exports_requeued": exports_requeued,
        "exports_failed": exports_failed,
        "emails_sent": exports.retry_notifications(),
        "imports_cleaned": engine.tidy_finished(),
    }
