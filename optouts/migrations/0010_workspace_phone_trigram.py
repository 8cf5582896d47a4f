"""The number search's cost follows the workspace, not the whole table (issue #15).

The trigram index of 0002 covered every workspace's numbers: a search in a
small workspace still walked the matches of all of them. A GIN index on
(workspace_id, phone gin_trgm_ops) — ``btree_gin`` gives GIN the equality on
workspace_id — finds only the workspace's own matches. Built CONCURRENTLY so a
big list keeps taking opt-outs meanwhile, then the old index goes.

PostgreSQL only: on SQLite (local runs) this migration does nothing.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS optout_workspace_phone_trgm",  # left invalid by an interrupted build
    "CREATE INDEX CONCURRENTLY optout_workspace_phone_trgm ON optouts_optout USING gin (workspace_id, phone gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS optout_phone_trgm",
]
DROP = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS optout_phone_trgm ON optouts_optout USING gin (phone gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS optout_workspace_phone_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction
    dependencies = [("optouts", "0009_export_consent_columns")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
