"""Every writer of the list locks exactly the numbers it writes, in its own workspace.

The lock-order tests (tests/integration/test_lock_order.py) prove what the lock
does on PostgreSQL; these prove each writer asks for the right key (a lock on
another workspace's key, or on no number, would leave the delivery's shared
lock unopposed), and they run on SQLite too.
"""

from __future__ import annotations

import pytest

from optouts import services
from optouts.models import Method


@pytest.fixture
def locked(monkeypatch):
    calls: list[tuple[int, list[str]]] = []
    real = services.lock_numbers

    def spy(workspace_id, phones, **kwargs):
        calls.append((workspace_id, sorted(phones)))
        return real(workspace_id, phones, **kwargs)

    monkeypatch.setattr(services, "lock_numbers", spy)
    return calls


def test_opt_out_locks_its_number(workspace, member, locked):
    services.opt_out(workspace=workspace, phone="(415) 555-0123", method=Method.MANUAL, actor=member)
    assert locked == [(workspace.id, ["+14155550123"])]


def test_opt_in_locks_its_number(workspace, member, locked):
    services.opt_in(workspace=workspace, phone="(415) 555-0123", actor=member)
    assert locked == [(workspace.id, ["+14155550123"])]


def test_edit_locks_the_old_and_the_new_number(workspace, member, locked):
    optout = services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    locked.clear()
    services.edit_opt_out(workspace=workspace, optout=optout, phone="+14155550124", reason="", actor=member)
    assert locked == [(workspace.id, ["+14155550123", "+14155550124"])]


def test_remove_locks_its_number(workspace, member, locked):
    optout = services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    locked.clear()
    services.remove_opt_out(workspace=workspace, optout=optout, actor=member)
    assert locked == [(workspace.id, ["+14155550123"])]


def test_an_import_batch_locks_every_number_it_writes(workspace, member, locked):
    services.import_batch(workspace=workspace, phones=["+14155550124", "+14155550123", "+14155550124"], actor=member)
    assert locked == [(workspace.id, ["+14155550123", "+14155550124"])]
