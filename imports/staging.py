"""Per-import bookkeeping tables: numbers already met, rows skipped as invalid."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from .mapping import StagedRow
from .models import InvalidRow, SeenNumber

_FIRST_SEEN_SQL = f"""
    INSERT INTO {SeenNumber._meta.db_table} (job_id, phone)
    SELECT %s, phone FROM unnest(%s::text[]) AS phone
    ON CONFLICT DO NOTHING
    RETURNING phone"""  # noqa: S608


def first_seen(job_id: int, numbers: list[str]) -> set[str]:
    """Record ``numbers`` (unique) for the job; return those it had not met before."""
    if not numbers:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FIRST_SEEN_SQL, [job_id, numbers])
            return {row[0] for row in cursor.fetchall()}
    known = set(SeenNumber.objects.filter(job_id=job_id, phone__in=numbers).values_list("phone", flat=True))
    new = [number for number in numbers if number not in known]
    SeenNumber.objects.bulk_create(SeenNumber(job_id=job_id, phone=number) for number in new)
    return set(new)


def write_invalid(job_id: int, rows: list[StagedRow]) -> None:
    InvalidRow.objects.bulk_create(
        (InvalidRow(job_id=job_id, row_number=row.number, value=row.value, problem=row.problem) for row in rows),
        ignore_conflicts=True,
    )


def invalid_rows(job_id: int) -> Iterator[tuple[int, str, str]]:
    return (
        InvalidRow.objects.filter(job_id=job_id)
        .order_by("row_number")
        .values_list("row_number", "value", "problem")
        .iterator(chunk_size=5000)
    )


def clear(job_id: int) -> None:
    SeenNumber.objects.filter(job_id=job_id).delete()
    InvalidRow.objects.filter(job_id=job_id).delete()
