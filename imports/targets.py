"""What an import can write into: each app registers its :class:`Target` from its AppConfig.ready.

The engine, the pages and the Celery task know a target only by its name
(``ImportJob.kind``) and what it registered here, so ``imports`` never
imports the apps that use it (opt-outs and contacts sit above it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse

from .mapping import Columns, RowReader, StagedRow

if TYPE_CHECKING:
    from django.http import HttpRequest

    from workspaces.models import Workspace

    from .models import ImportJob

# Writes one batch of valid rows, unique by number, inside the batch's transaction;
# returns (added, already there). Rows neither added nor already there count as duplicates.
Writer = Callable[["ImportJob", list[StagedRow]], tuple[int, int]]
# Which of these E.164 numbers are already there (the preview flags them: the import will skip them).
FindExisting = Callable[["Workspace", list[str]], set[str]]
# A file's extra consent column, found by its header among columns not ``taken``, or None (SPEC §13).
FindConsentColumn = Callable[..., int | None]  # (headers, *, taken) -> index


@dataclass(frozen=True)
class Target:
    name: str  # stored as ImportJob.kind
    label: str  # how the admin names the kind ("Opt-outs")
    write: Writer
    find_existing: FindExisting
    namespace: str  # URL namespace holding import, import_map, import_job, import_invalid and list
    title: str  # "Import opt-outs"
    existing_label: str  # the summary's "skipped because already there"
    list_title: str  # the page the import adds to
    noun: str = "numbers"  # what the import adds, in messages ("after adding 1,000 numbers")
    # Contacts read name and email columns too; a target reading phone numbers only leaves it False.
    contacts: bool = False
    # A target that records consent from a column (contacts) says how to find that column.
    find_consent_column: FindConsentColumn | None = None

    def parser(self, columns: Columns, region: str) -> RowReader:
        """Reads one row's cells into a StagedRow, for the preview and the import alike."""
        return RowReader(columns, region, contacts=self.contacts)

    def consent_column(self, headers: list[str], columns: Columns, *, has_header: bool) -> int | None:
        """The index of the file's consent column, when this target reads one and the file has headers."""
        if self.find_consent_column is None or not has_header:
            return None
        return self.find_consent_column(headers, taken=(columns.phone, columns.name, columns.email))

    def url(self, name: str, request: HttpRequest, **kwargs) -> str:
        return reverse(f"{self.namespace}:{name}", kwargs={"slug": request.workspace.slug, **kwargs})


_registry: dict[str, Target] = {}


def register(target: Target) -> Target:
    """Called from the owning app's AppConfig.ready; registering the same name again replaces it."""
    _registry[target.name] = target
    return target


def get(name: str) -> Target:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No import target is registered as {name!r}.") from None


def names() -> list[str]:
    return list(_registry)


def choices() -> list[tuple[str, str]]:
    """ImportJob.kind's choices (a callable, so migrations don't freeze the list)."""
    return [(target.name, target.label) for target in _registry.values()]
