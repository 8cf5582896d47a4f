from __future__ import annotations

from django.db import models


class ImportRow(models.Model):
    """One data row of an import being checked, kept until the job finishes.

    The whole file is read into this table before anything is written to the
    opt-out list or the contacts, so a file that turns out to be bad half-way
    changes nothing; duplicates within the file are then found by one query
    instead of a set held in the worker's memory.
    """

    pk = models.CompositePrimaryKey("job_id", "row_number")
    job = models.ForeignKey("optouts.ImportJob", on_delete=models.CASCADE, related_name="+", db_index=False)
    row_number = models.PositiveIntegerField()
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, or empty when the row is invalid.")
    value = models.TextField(blank=True, help_text="The cell as written, kept for invalid rows.")
    problem = models.TextField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    duplicate = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Row {self.row_number} of import {self.job_id}"
