"""Import a CSV/XLSX of numbers into a workspace's opt-out list, with the web import's engine."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from imports import engine, services
from imports.models import ImportJob, JobStatus
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Import opt-outs from a CSV or XLSX file (e.g. a list moved over from another provider)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("file", help="A CSV or XLSX file with a column of phone numbers.")
        parser.add_argument("--reason", default="", help="Reason recorded on every number added.")
        parser.add_argument(
            "--column", default="", help="The phone column: its header, its number from 1, or its letter."
        )
        parser.add_argument("--user", default="", help="Username recorded as having added the numbers.")

    def handle(self, *args, slug: str, file: str, reason: str, column: str, user: str, **options) -> None:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"There is no workspace “{slug}”.")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, memberships__workspace=workspace).first()
            if actor is None:
                raise CommandError(f"“{user}” is not a member of {workspace.name}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            with open(path, "rb") as handle:
                job = services.create_import(
                    workspace=workspace,
                    kind="optouts",
                    upload=File(handle, name=path.name),
                    actor=actor,
                    reason=reason,
                    phone_column=column,
                )
            services.start_import(job=job, phone_column=job.phone_index, reason=reason, queue=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Reading phone numbers from column “{job.phone_column}” of {path.name}.")
        with _Bar(_raw_stream(self.stderr)) as bar:
            job = engine.run(job.id, on_progress=bar.update, retry=False)
        if job is None:
            raise CommandError("The import was taken over by another process.")
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.error)
        self.stdout.write(
            self.style.SUCCESS(f"Import finished: {job.added:,} added to the opt-out list of {workspace.name}.")
        )
        self.stdout.write(f"Skipped as duplicates in the file: {job.duplicates:,}")
        self.stdout.write(f"Skipped as already opted out: {job.existing:,}")
        self.stdout.write(f"Invalid: {job.invalid:,}")
        if job.invalid_file:
            try:
                where = job.invalid_file.path
            except NotImplementedError:
                where = f"{job.invalid_file.name} in the file storage"
            self.stdout.write(f"Invalid rows (row, original value, reason): {where}")


def _raw_stream(wrapper):
    """The stream under Django's OutputWrapper: tqdm redraws with \r, which the wrapper would end with \n."""
    return getattr(wrapper, "_out", sys.stderr)


class _Bar:
    """One tqdm bar per phase on stderr, so stdout carries only the summary."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.phase = ""
        self.bar: tqdm | None = None

    def update(self, job: ImportJob) -> None:
        writing = job.phase == ImportJob.Phase.WRITING
        done = job.processed_rows
        if job.phase != self.phase:
            self.close()
            self.phase = job.phase
            total = job.total_rows
            label = "Importing" if writing else "Checking"
            self.bar = tqdm(total=total, desc=label, unit=" rows", file=self.stream)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
