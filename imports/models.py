"""The import jobs (what was uploaded, how far it got) and the engine's bookkeeping tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from . import targets


class JobStatus(models.TextChoices):
    MAPPING = "mapping", "Choosing columns"
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """What every background job over a file shares: status, progress, fencing (see imports.jobs)."""

    Status = JobStatus

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Incremented by every claim; a write commits only while it still matches,
    # so a worker that lost the job cannot write behind its successor.
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        start, share = self.stage()
        done = min(self.processed_rows, self.total_rows)
        return min(99, start + done * share // self.total_rows)

    def stage(self) -> tuple[int, int]:
        """Where the current pass starts on the progress bar and how much of it it fills (percent)."""
        return 0, 100


class ImportJob(Job):
    """One upload of a CSV/XLSX into a registered target (the opt-out list, the contacts).

    The table kept its name from when opt-outs owned imports (docs/decisions.md).
    """

    class Phase(models.TextChoices):
        CHECKING = "checking", "Checking the file"
        WRITING = "writing", "Importing rows"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=10, choices=targets.choices)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    phone_column = models.CharField(max_length=255, blank=True)
    name_column = models.CharField(max_length=255, blank=True)
    email_column = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # False for a file whose first row is already data (one column of numbers, no header).
    has_header_row = models.BooleanField(default=True)
    phone_index = models.PositiveSmallIntegerField(null=True, blank=True)
    name_index = models.PositiveSmallIntegerField(null=True, blank=True)
    email_index = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    cancelled_texts = models.PositiveIntegerField(
        default=0, help_text="Queued or scheduled texts to the imported numbers that the import cancelled."
    )
    invalid_file = models.FileField(upload_to="imports/invalid/%Y/%m/", max_length=255, blank=True)
    # The file is checked whole, then imported in batches; ``last_row`` is the
    # spreadsheet row that ends the last batch committed (the restart point).
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    last_row = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "optouts_importjob"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "kind", "-created_at"], name="importjob_recent")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"

    @property
    def target(self) -> targets.Target:
        return targets.get(self.kind)

    def stage(self) -> tuple[int, int]:
        """Checking the file (one quick read) fills the first tenth of the bar, importing the rest."""
        if self.phase == self.Phase.WRITING:
            return 10, 90
        if self.phase == self.Phase.CHECKING:
            return 0, 10
        return 0, 0


class SeenNumber(models.Model):
    """A number an import has already met, so later rows with it count as duplicates.

    Written in the same transaction as the batch and its checkpoint, so a
    restarted import agrees with what was committed; kept in the database
    rather than in a set, so the worker's memory stays flat at any size.
    Deleted when the job ends (by the engine, or with the job: no database
    constraint, whose per-row check would cost as much as the insert).
    """

    pk = models.CompositePrimaryKey("job_id", "phone")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    phone = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.phone} in import {self.job_id}"


class InvalidRow(models.Model):
    """A row an import skipped, for the downloadable CSV of row, original value and reason."""

    pk = models.CompositePrimaryKey("job_id", "row_number")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    row_number = models.PositiveIntegerField()
    value = models.TextField(blank=True)
    problem = models.TextField()

    def __str__(self) -> str:
        return f"Row {self.row_number} of import {self.job_id}"
