"""Per-number locks shared by the opt-out writers and the sender.

The invariant (docs/decisions.md): no provider call for a number starts after
an opt-out of that number has committed. Writers take an exclusive
transaction-scoped advisory lock on (workspace, number) before writing; the
delivery task takes the shared lock, re-checks the list and starts the
provider call while still holding it. Whichever comes second waits, so the
sender either saw the opt-out or started its call before the opt-out existed.

SQLite (local runs) has no advisory locks; it serialises writers on the whole
database instead, which is enough for one developer's machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection

_EXCLUSIVE_SQL = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"
_SHARED_SQL = "SELECT count(pg_advisory_xact_lock_shared(k)) FROM unnest(%s::bigint[]) AS k"


def number_key(workspace_id: int, phone: str) -> int:
    digest = hashlib.blake2b(f"{workspace_id}:{phone}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_numbers(workspace_id: int, phones: Iterable[str], *, shared: bool = False) -> None:
    """Lock the numbers until the current transaction ends. Call inside ``atomic``."""
    lock_pairs([(workspace_id, phone) for phone in phones], shared=shared)


def lock_pairs(pairs: Iterable[tuple[int, str]], *, shared: bool = False) -> None:
    """Lock (workspace id, number) pairs, possibly of several workspaces, until the transaction ends."""
    if connection.vendor != "postgresql":
        return
    # Sorted, so two lockers of overlapping sets never deadlock.
    keys = sorted({number_key(workspace_id, phone) for workspace_id, phone in pairs})
    if not keys:
        return
    sql = _SHARED_SQL if shared else _EXCLUSIVE_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys])
