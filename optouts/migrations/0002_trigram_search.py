"""Contains-search on numbers ("415 555" anywhere in +14155550123) on PostgreSQL.

A trigram GIN index makes ``phone LIKE '%…%'`` an index lookup instead of a
scan of the whole list. SQLite (local runs) has no such index and does not
need one at that size.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS optout_phone_trgm ON optouts_optout USING gin (phone gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS optout_phone_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("optouts", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
