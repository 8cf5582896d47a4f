"""A round that stops waiting never lets a call start after it commits (SPEC §5, issue 11).

A call still waiting for a pool thread when the round's deadline passes would
otherwise go out after the round's locks are released: after an opt-out of its
number may have committed. One pool thread and a first call slower than the
deadline put the second call in exactly that place.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conversations.models import Conversation
from messaging import delivery
from messaging.backends import BaseSmsBackend, OutgoingSms
from messaging.models import Message


class SlowFirstBackend(BaseSmsBackend):
    """The first call takes longer than the round's deadline; every call is noted as it starts."""

    started: list[int] = []
    first_takes = 0.0

    def send(self, sms: OutgoingSms) -> str:
        SlowFirstBackend.started.append(sms.message_id)
        if len(SlowFirstBackend.started) == 1:
            time.sleep(SlowFirstBackend.first_takes)
        return f"SM{sms.message_id:032d}"


@pytest.fixture
def one_thread(monkeypatch, settings):
    settings.SMS_PROVIDER_TIMEOUT, settings.SMS_PROVIDER_CONNECT_TIMEOUT = 0.2, 0.1  # deadline 1.3 s
    SlowFirstBackend.started, SlowFirstBackend.first_takes = [], 1.6  # past the first deadline, not the second
    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(delivery, "_executor", lambda: pool)
    monkeypatch.setattr(delivery, "get_backend", SlowFirstBackend)
    retried: list[int] = []
    monkeypatch.setattr(delivery, "_retry_later", lambda messages: retried.extend(m.pk for m in messages))
    yield pool, retried
    pool.shutdown(wait=True)


def _queued(workspace, numbers: list[str]) -> list[Message]:
    sender = workspace.sender_numbers.get()
    texts = []
    for number in numbers:
        conversation = Conversation.objects.create(workspace=workspace, phone=number, sender=sender)
        texts.append(
            Message.objects.create(
                workspace=workspace,
                conversation=conversation,
                direction="outbound",
                from_phone=sender.phone,
                to_phone=number,
                body="Doors open at 7",
                status="queued",
            )
        )
    return texts


def test_a_call_not_started_by_the_deadline_never_starts_and_is_retried(workspace, one_thread):
    pool, retried = one_thread
    first, second = _queued(workspace, ["+14155550101", "+14155550102"])

    delivery.deliver_many([first.pk, second.pk], budget=None)
    pool.shutdown(wait=True)  # anything still queued in the pool has run by now

    [went] = SlowFirstBackend.started  # the other call never went out
    first, second = sorted([first, second], key=lambda m: m.pk != went)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.provider_sid) == ("sent", f"SM{first.pk:032d}")  # waited for, not given up on
    assert (second.status, second.attempts) == ("queued", 1)
    assert retried == [second.pk]


def test_calls_that_all_start_in_time_all_go_out(workspace, one_thread, settings):
    SlowFirstBackend.first_takes = 0.0
    texts = _queued(workspace, ["+14155550103", "+14155550104", "+14155550105"])

    delivery.deliver_many([t.pk for t in texts], budget=None)

    assert sorted(SlowFirstBackend.started) == sorted(t.pk for t in texts)
    assert set(Message.objects.filter(pk__in=[t.pk for t in texts]).values_list("status", flat=True)) == {"sent"}
