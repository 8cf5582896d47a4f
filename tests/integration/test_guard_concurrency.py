"""The invariant at carrier speed: no provider call for a number starts after an opt-out of it commits.

A real worker delivers texts through Redis with the real Twilio backend and
dozens of calls in flight, to a fake Twilio in this process that notes when
each request *arrives*. Meanwhile threads here opt the same numbers out. Each
opt-out notes the time *after* it holds the number's lock and wrote its row
but *before* it commits. A request that arrived later than that is a call
that saw no opt-out although one was about to commit: a violation. (Arrival
is after the call started, and a correct sender holds the lock until the
answer came back, so a correct run can never show one.)

This one is random by design: a soak that may find orderings nobody thought
of. The deterministic proof of each lock is tests/integration/test_lock_order.py.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from messaging import services
from messaging.models import Message
from optouts import services as optout_services
from tests.support.fake_twilio import FakeTwilio

pytestmark = pytest.mark.integration

NUMBERS = [f"+1415555{n:04d}" for n in range(1000, 1100)]
TEXTS_PER_NUMBER = 5
CONCURRENCY = 40


@pytest.fixture
def fake_twilio(monkeypatch, settings):
    with FakeTwilio(latency=0.2) as fake:
        monkeypatch.setenv("TEST_WORKER_SMS_BACKEND", "messaging.backends.twilio.SmsBackend")
        monkeypatch.setenv("TWILIO_API_BASE_URL", fake.url)
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "7" * 32)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", settings.TWILIO_AUTH_TOKEN)
        monkeypatch.setenv("SMS_DELIVERY_CONCURRENCY", str(CONCURRENCY))
        yield fake


def _wait_until_settled(timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Message.objects.filter(status__in=["queued", "sending"]).exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"messages still queued or sending after {timeout}s")


def _most_in_flight(fake: FakeTwilio) -> int:
    """The largest number of requests that arrived within one answer's latency of each other."""
    arrivals = sorted(c.arrived for c in fake.calls)
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= fake.latency:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_no_provider_call_starts_after_an_opt_out_commits(fake_twilio, celery_worker, workspace, member):
    workspace.sender_numbers.update(rate_per_second=5000)
    for round_ in range(TEXTS_PER_NUMBER):
        services.send_bulk(workspace=workspace, recipients=NUMBERS, body=f"Round {round_}", actor=member)

    marks: dict[str, float] = {}
    rng = random.Random(7)
    # A full run takes ~3 s at this concurrency: opt-outs land all through it.
    delays = {number: rng.uniform(0.0, 3.0) for number in NUMBERS}

    def opt_out(numbers: list[str]) -> None:
        started = time.monotonic()
        try:
            for number in sorted(numbers, key=delays.get):
                time.sleep(max(0.0, delays[number] - (time.monotonic() - started)))
                with transaction.atomic():
                    optout_services.opt_out(workspace=workspace, phone=number, method="manual", actor=member)
                    marks[number] = time.time()  # lock held, row written, not yet committed
        finally:
            connection.close()

    threads = [threading.Thread(target=opt_out, args=(NUMBERS[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _wait_until_settled()

    calls = fake_twilio.calls
    late = [c for c in calls if c.arrived > marks[c.to]]
    assert late == [], f"{len(late)} provider calls started after their number's opt-out committed"
    twice = [message_id for message_id, n in Counter(c.message_id for c in calls).items() if n > 1]
    assert twice == [], f"{len(twice)} texts were handed to the provider twice"

    statuses = Counter(Message.objects.values_list("status", "failure_reason"))
    sent, blocked = statuses[("sent", "")], statuses[("failed", "opted_out")]
    # Still queued when the opt-out committed: it cancelled them in its transaction (SPEC §6).
    cancelled = statuses[("cancelled", "")]
    # The race was really run: some texts went out before their opt-out, some were stopped by it.
    assert sent > 0 and blocked + cancelled > 0, statuses
    assert sent == len(calls)
    assert sent + blocked + cancelled == len(NUMBERS) * TEXTS_PER_NUMBER, statuses
    assert _most_in_flight(fake_twilio) >= CONCURRENCY // 2  # many calls at once, not one after another
