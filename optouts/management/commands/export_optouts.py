"""Write a workspace's opt-out list to a CSV file: the same file the Export button makes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from optouts import exports
from optouts.models import OptOut
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Export a workspace's opt-out list as CSV (UTF-8 with BOM, columns as in the web export)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("out", help="The CSV file to write (replaced if it exists).")

    def handle(self, *args, slug: str, out: str, **options) -> None:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"There is no workspace “{slug}”.")
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        partial = target.with_name(target.name + ".partial")
        total = OptOut.objects.filter(workspace=workspace).count()
        try:
            with (
                open(partial, "wb") as handle,
                tqdm(total=total, desc="Exporting", unit=" rows", file=getattr(self.stderr, "_out", sys.stderr)) as bar,
            ):
                rows = exports.write_export(
                    workspace=workspace, out=handle, on_progress=lambda done: bar.update(done - bar.n)
                )
            # Only a complete file takes the name: an interrupted run leaves the old one alone.
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Could not write {target}: {error.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Exported {rows:,} opt-outs of {workspace.name} to {target}."))
