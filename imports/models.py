from __future__ import annotations

from django.db import models


class SeenNumber(models.Model):
    """A number an import has already met, so later rows with it count as duplicates.

    Written in the same transaction as the batch and its checkpoint, so a
    restarted import agrees with what was committed; kept in the database
    rather than in a set, so the worker's memory stays flat at any size.
    Deleted when the job ends (by the engine, or with the job: no database
    constraint, whose per-row check would cost as much as the insert).
    """

    pk = models.CompositePrimaryKey("job_id", "phone")
    job = models.ForeignKey(
        "optouts.ImportJob", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    phone = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.phone} in import {self.job_id}"


class InvalidRow(models.Model):
    """A row an import skipped, for the downloadable CSV of row, original value and reason."""

    pk = models.CompositePrimaryKey("job_id", "row_number")
    job = models.ForeignKey(
        "optouts.ImportJob", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    row_number = models.PositiveIntegerField()
    value = models.TextField(blank=True)
    problem = models.TextField()

    def __str__(self) -> str:
        return f"Row {self.row_number} of import {self.job_id}"
