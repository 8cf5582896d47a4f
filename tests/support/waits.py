"""Waiting for a condition, never for a fixed time: a timeout turns a hang into a failure."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection


def wait_for(condition: Callable[[], object], what: str, timeout: float = 15.0, every: float = 0.01):
    """Poll ``condition`` until it returns something truthy (which is returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(every)


def waiting_for_a_lock(pid: int | None = None, *, locktype: str | None = None) -> bool:
    """Whether a PostgreSQL backend of this database (or just ``pid``) waits for a lock right now."""
    sql = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted"
    sql += " AND a.datname = current_database()"
    params: list[object] = []
    if pid is not None:
        sql += " AND l.pid = %s"
        params.append(pid)
    if locktype is not None:
        sql += " AND l.locktype = %s"
        params.append(locktype)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] > 0
