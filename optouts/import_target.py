"""The opt-out list as an import target: registered with the import engine by OptoutsConfig.ready."""

from __future__ import annotations

from imports.mapping import StagedRow
from imports.models import ImportJob
from imports.targets import Target
from workspaces.models import Workspace

from . import services

NAME = "optouts"


def write(job: ImportJob, rows: list[StagedRow]) -> tuple[int, int]:
    return services.import_batch(
        workspace=job.workspace,
        phones=[row.phone for row in rows],
        reason=job.reason,
        actor=job.requested_by,
        import_job=job,
    )


def opted_out(workspace: Workspace, numbers: list[str]) -> set[str]:
    return services.opted_out_among(workspace=workspace, phones=numbers)


TARGET = Target(
    name=NAME,
    label="Opt-outs",
    write=write,
    find_existing=opted_out,
    namespace="optouts",
    title="Import opt-outs",
    existing_label="already opted out",
    list_title="Opt-Outs",
)
