"""The staging table an import is checked into before anything is written."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, Q

from .mapping import StagedRow
from .models import ImportRow

_TABLE = ImportRow._meta.db_table
_COPY_SQL = f"COPY {_TABLE} (job_id, row_number, phone, value, problem, name, email, duplicate) FROM STDIN"  # noqa: S608
# A row is a duplicate when an earlier row of the same job has the same number.
# Numbering each number's rows by a window function is one sort, whatever the
# file's length and whatever the planner knows about a table filled a moment ago.
_MARK_DUPLICATES_SQL = f"""
    UPDATE {_TABLE} SET duplicate = TRUE
    FROM (
        SELECT row_number AS later_row,
               ROW_NUMBER() OVER (PARTITION BY phone ORDER BY row_number) AS occurrence
        FROM {_TABLE}
        WHERE job_id = %s AND phone <> ''
    ) AS numbered
    WHERE {_TABLE}.job_id = %s AND {_TABLE}.row_number = numbered.later_row AND numbered.occurrence > 1
"""  # noqa: S608


def write(job_id: int, rows: list[StagedRow]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(_COPY_SQL) as copy:
            for row in rows:
                copy.write_row((job_id, row.number, row.phone, row.value, row.problem, row.name, row.email, False))
        return
    ImportRow.objects.bulk_create(
        ImportRow(
            job_id=job_id,
            row_number=row.number,
            phone=row.phone,
            value=row.value,
            problem=row.problem,
            name=row.name,
            email=row.email,
        )
        for row in rows
    )


def mark_duplicates(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_MARK_DUPLICATES_SQL, [job_id, job_id])


def counts(job_id: int) -> dict[str, int]:
    return ImportRow.objects.filter(job_id=job_id).aggregate(
        rows=Count("row_number"),
        invalid=Count("row_number", filter=Q(phone="")),
        duplicates=Count("row_number", filter=Q(duplicate=True)),
    )


def candidates(job_id: int, *, after_row: int, limit: int) -> list[tuple[int, str, str, str]]:
    """The next rows to write, in file order: valid, first of their number."""
    return list(
        ImportRow.objects.filter(job_id=job_id, row_number__gt=after_row, duplicate=False)
        .exclude(phone="")
        .order_by("row_number")
        .values_list("row_number", "phone", "name", "email")[:limit]
    )


def invalid_rows(job_id: int) -> Iterator[tuple[int, str, str]]:
    return (
        ImportRow.objects.filter(job_id=job_id, phone="")
        .order_by("row_number")
        .values_list("row_number", "value", "problem")
        .iterator(chunk_size=5000)
    )


def clear(job_id: int) -> None:
    ImportRow.objects.filter(job_id=job_id).delete()
