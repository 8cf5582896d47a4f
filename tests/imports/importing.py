"""Helpers for the import tests: run a file through the real engine, in-process."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from imports import services
from imports.models import ImportJob


def upload(workspace, path: Path, *, kind: str = "optouts", actor=None, reason: str = "") -> ImportJob:
    with open(path, "rb") as handle:
        return services.create_import(
            workspace=workspace, kind=kind, upload=File(handle, name=path.name), actor=actor, reason=reason
        )


def run_import(
    workspace, path: Path, capture, *, kind: str = "optouts", actor=None, reason: str = "", phone_column=None
) -> ImportJob:
    """Upload, accept the detected columns (or ``phone_column``, 0-based) and run the task on commit."""
    job = upload(workspace, path, kind=kind, actor=actor, reason=reason)
    with capture(execute=True):
        services.start_import(
            job=job,
            phone_column=job.phone_index if phone_column is None else phone_column,
            name_column=job.name_index,
            email_column=job.email_index,
            reason=reason,
        )
    job.refresh_from_db()
    return job
