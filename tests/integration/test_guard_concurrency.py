"""The invariant: no provider call for a number starts after an opt-out of that number has committed.

A real worker delivers texts through Redis while threads in this process opt
the same numbers out. The provider stub (another process) records when each
call starts. Each opt-out notes the time *after* it holds the number's lock
and wrote its row but *before* it commits; a call that started later than that
would be a call that saw no opt-out although one was about to commit.

This one is random by design: a soak that may find orderings nobody thought
of. The deterministic proof of each lock is tests/integration/test_lock_order.py.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction

from messaging import services
from messaging.models import Message
from optouts import services as optout_services
from tests.support import recording_backend

pytestmark = pytest.mark.integration

NUMBERS = [f"+1415555{n:04d}" for n in range(1000, 1024)]


@pytest.fixture
def recording(monkeypatch, tmp_path):
    path = tmp_path / "provider-calls.jsonl"
    monkeypatch.setenv("RECORDING_BACKEND_LOG", str(path))
    monkeypatch.setenv("RECORDING_BACKEND_PRE_DELAY", "0.02")
    monkeypatch.setenv("TEST_WORKER_SMS_BACKEND", "tests.support.recording_backend.SmsBackend")
    return str(path)


def _wait_until_settled(timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Message.objects.filter(status__in=["queued", "sending"]).exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"messages still queued or sending after {timeout}s")


def test_no_provider_call_starts_after_an_opt_out_commits(recording, celery_worker, workspace, member):
    for number in NUMBERS:
        for round_ in range(3):
            services.send_message(workspace=workspace, to=number, body=f"Round {round_}", actor=member)

    marks: dict[str, float] = {}
    rng = random.Random(7)
    delays = {number: rng.uniform(0.0, 1.2) for number in NUMBERS}

    def opt_out(number: str) -> None:
        try:
            time.sleep(delays[number])
            with transaction.atomic():
                optout_services.opt_out(workspace=workspace, phone=number, method="manual", actor=member)
                marks[number] = time.time()  # lock held, row written, not yet committed
        finally:
            connection.close()

    threads = [threading.Thread(target=opt_out, args=(number,)) for number in NUMBERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _wait_until_settled()

    calls = recording_backend.read(recording)
    late = [c for c in calls if c["started"] > marks[c["to"]]]
    assert late == [], f"{len(late)} provider calls started after their number's opt-out committed"

    statuses = Message.objects.values_list("status", "failure_reason")
    sent = sum(1 for s in statuses if s[0] == "sent")
    blocked = sum(1 for s in statuses if s == ("failed", "opted_out"))
    # Still queued when the opt-out committed: it cancelled them in its transaction (SPEC §6).
    cancelled = sum(1 for s in statuses if s[0] == "cancelled")
    # The race was really run: some texts went out before their opt-out, some were stopped by it.
    assert sent > 0 and blocked + cancelled > 0, (sent, blocked, cancelled)
    assert sent == len(calls)
    assert sent + blocked + cancelled == len(NUMBERS) * 3
