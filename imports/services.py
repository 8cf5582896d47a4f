"""Starting imports: the upload, the Map step, and handing the job to a worker."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from workspaces.models import Workspace

from . import engine, mapping, targets
from .models import ImportJob, JobStatus
from .reader import ImportFileError
from .storage import local_path


@contextlib.contextmanager
def _on_disk(upload: File) -> Iterator[Path]:
    """The upload as a local file: Django's temporary upload file, or a copy."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield Path(temporary())
        return
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix) as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


def create_import(
    *, workspace: Workspace, kind: str, upload: File, actor=None, reason: str = "", phone_column: str = ""
) -> ImportJob:
    """Check the upload's type and columns and keep it for the Map step.

    A file that cannot be imported raises ValidationError with the reason and
    leaves nothing behind.
    """
    try:
        target = targets.get(kind)
    except LookupError:
        raise ValidationError(f"“{kind}” is not something we can import.") from None
    with _on_disk(upload) as path:
        try:
            found = mapping.inspect(
                path, contacts=target.contacts, region=workspace.default_region, phone_column=phone_column
            )
        except ImportFileError as error:
            raise ValidationError({"file": error.message}) from None
        job = ImportJob(
            workspace=workspace,
            kind=kind,
            status=JobStatus.MAPPING,
            original_name=Path(upload.name or "upload").name[:255],
            headers=found.headers,
            has_header_row=found.has_header,
            requested_by=actor,
            reason=reason.strip(),
        )
        _set_columns(job, found.columns)
        upload.seek(0)
        # The stored name is ours: the user's file name never reaches the filesystem.
        job.file.save(f"{uuid.uuid4().hex}.{found.file_kind}", upload, save=False)
    job.save()
    return job


def _set_columns(job: ImportJob, columns: mapping.Columns) -> None:
    job.phone_index, job.name_index, job.email_index = columns.phone, columns.name, columns.email
    job.phone_column = mapping.column_label(job.headers, columns.phone)
    job.name_column = mapping.column_label(job.headers, columns.name)
    job.email_column = mapping.column_label(job.headers, columns.email)


def inspect_job(job: ImportJob) -> mapping.Inspection:
    """The stored upload, read again for the Map step with the job's current columns."""
    if not job.file:
        raise ValidationError("The uploaded file is no longer here; upload it again.")
    with local_path(job.file) as path:
        try:
            file_kind, headers, head = mapping.read_head(path, has_header=job.has_header_row)
        except ImportFileError as error:
            raise ValidationError(error.message) from None
    columns = mapping.Columns(job.phone_index, job.name_index, job.email_index)
    return mapping.Inspection(file_kind, headers, columns, head, has_header=job.has_header_row)


def start_import(
    *,
    job: ImportJob,
    phone_column: int,
    name_column: int | None = None,
    email_column: int | None = None,
    reason: str = "",
    queue: bool = True,
) -> ImportJob:
    """Confirm the Map step (0-based column indexes) and queue the job.

    ``queue=False`` leaves it pending for the caller to run (the management command).
    """
    width = len(job.headers)
    for label, index in (("phone", phone_column), ("name", name_column), ("email", email_column)):
        if index is not None and not 0 <= index < width:
            raise ValidationError({f"{label}_column": "Choose one of the file's columns."})
    if not job.target.contacts:
        name_column = email_column = None
    with transaction.atomic():
        _set_columns(job, mapping.Columns(phone_column, name_column, email_column))
        job.reason = (reason or "").strip() if not job.target.contacts else ""
        job.status = JobStatus.PENDING
        job.heartbeat_at = timezone.now()
        fields = ["phone_index", "name_index", "email_index", "phone_column", "name_column", "email_column"]
        # Compare-and-swap: a double-submitted form starts the import once.
        started = (
            ImportJob.objects.filter(id=job.id, status=JobStatus.MAPPING)
            .order_by()
            .update(
                status=JobStatus.PENDING,
                reason=job.reason,
                heartbeat_at=job.heartbeat_at,
                **{field: getattr(job, field) for field in fields},
            )
        )
        if started != 1:
            raise ValidationError("This import has already started.")
        if queue:
            engine.enqueue(job)
    return job
