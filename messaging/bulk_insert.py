"""One INSERT … SELECT FROM unnest(arrays) per batch, for the bulk-send job on PostgreSQL.

``bulk_create`` prepares every value of every row in Python (20 columns ×
100,000 texts); here each column is one array parameter. Columns are read
from the model, so a field added later with a default is filled with that
default, never forgotten.
"""

from __future__ import annotations

from django.db import connection, models


def insert_rows(
    model: type[models.Model],
    *,
    columns: dict[str, list],
    constants: dict[str, object],
    returning: tuple[str, ...] = ("id",),
    conflict: str = "",
) -> list[tuple]:
    """Insert ``len(columns[...])`` rows; ``columns`` vary per row, ``constants`` and field defaults do not."""
    sizes = {len(values) for values in columns.values()}
    if sizes == {0}:
        return []
    assert len(sizes) == 1, "every column needs one value per row"
    names, expressions, params, arrays, array_params = [], [], [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        db_type = field.db_type(connection)
        names.append(connection.ops.quote_name(field.column))
        if field.attname in columns:
            expressions.append(f"v.c{len(arrays)}")
            arrays.append(f"%s::{db_type}[]")
            array_params.append(columns[field.attname])
        else:
            value = constants[field.attname] if field.attname in constants else field.get_default()
            expressions.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(value, connection))
    aliases = ", ".join(f"c{i}" for i in range(len(arrays)))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names from the model
        f"SELECT {', '.join(expressions)} FROM unnest({', '.join(arrays)}) AS v({aliases}) "
        f"{conflict} RETURNING {', '.join(returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *array_params])
        return cursor.fetchall()
