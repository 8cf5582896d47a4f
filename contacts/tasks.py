"""Thin Celery wrapper for the contacts import (the engine is shared with opt-outs)."""

from __future__ import annotations

from celery import shared_task

from imports import engine


@shared_task
def run_import(job_id: int) -> str | None:
    job = engine.run(job_id)
    return job.status if job else None
