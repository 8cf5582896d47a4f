"""The contacts as an import target: registered with the import engine by ContactsConfig.ready."""

from __future__ import annotations

from imports import staging
from imports.mapping import StagedRow
from imports.models import ImportJob
from imports.targets import Target
from workspaces.models import Workspace

from . import services
from .models import Contact

NAME = "contacts"


def write(job: ImportJob, rows: list[StagedRow]) -> tuple[int, int]:
    # Several contacts may share a number, so the table cannot say which rows
    # this import added: the numbers it met are kept aside instead.
    new = staging.first_seen(job.id, [row.phone for row in rows])
    fresh = [(row.phone, row.name, row.email) for row in rows if row.phone in new]
    return services.import_batch(workspace=job.workspace, rows=fresh) if fresh else (0, 0)


def contact_numbers(workspace: Workspace, numbers: list[str]) -> set[str]:
    return set(Contact.objects.filter(workspace=workspace, phone__in=numbers).values_list("phone", flat=True))


TARGET = Target(
    name=NAME,
    label="Contacts",
    write=write,
    find_existing=contact_numbers,
    namespace="contacts",
    title="Import contacts",
    existing_label="already a contact",
    list_title="Contacts",
    noun="contacts",
    contacts=True,
)
