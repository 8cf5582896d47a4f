"""The Opt-Outs page's 30-day chart counts new opt-outs per day from the history.

A partial covering index over just those events makes it an index-only scan
instead of a scan of every event (905 ms → 258 ms at a million events,
bench/pages.py). PostgreSQL only; SQLite has no INCLUDE and no need.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS optout_event_new_by_day ON optouts_optoutevent (workspace_id, at) "
    "INCLUDE (method) WHERE action = 'opted_out' AND NOT (details ? 'already_opted_out')"
)
DROP = "DROP INDEX IF EXISTS optout_event_new_by_day"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("optouts", "0003_import_export_progress")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
