"""The contacts as an import target: registered with the import engine by ContactsConfig.ready."""

from __future__ import annotations

from imports import staging
from imports.mapping import Columns, StagedRow
from imports.models import ImportJob
from imports.targets import Target
from workspaces.models import Workspace

from . import consent_import, services
from .models import Contact

NAME = "contacts"


def write(job: ImportJob, rows: list[StagedRow]) -> tuple[int, int]:
    # Several contacts may share a number, so the table cannot say which rows
    # this import added: the numbers it met are kept aside instead.
    new = staging.first_seen(job.id, [row.phone for row in rows])
    fresh = [(row.phone, row.name, row.email) for row in rows if row.phone in new]
    consents = [(row.phone, row.number, row.consent) for row in rows if row.phone in new and row.consent]
    if consents:
        columns = Columns(job.phone_index, job.name_index, job.email_index)
        index = TARGET.consent_column(job.headers, columns, has_header=job.has_header_row)
        services.record_import_consents(
            workspace=job.workspace,
            import_id=job.id,
            file_name=job.original_name,
            column=job.headers[index],
            rows=consents,
            actor=job.requested_by,
        )
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
    find_consent_column=consent_import.consent_column,
)
