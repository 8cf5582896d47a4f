"""Each sender number is held to its own rate (SenderNumber.rate_per_second), across all workers."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.urls import reverse

from messaging import delivery, rate, services
from messaging.models import Message, SenderNumber
from tests.support.fake_twilio import FakeTwilio


def test_a_new_number_gets_the_default_rate(workspace, settings):
    settings.SMS_DEFAULT_RATE_PER_SECOND = 7
    sender = SenderNumber.objects.create(workspace=workspace, phone="+14155550111")
    assert sender.rate_per_second == 7


def test_a_member_sets_a_numbers_rate_on_the_settings_page(member_client, workspace):
    sender = workspace.sender_numbers.get()
    url = reverse("messaging:sender_rate", kwargs={"slug": workspace.slug, "pk": sender.pk})
    response = member_client.post(url, {"rate_per_second": "3"}, follow=True)
    sender.refresh_from_db()
    assert sender.rate_per_second == 3
    page = response.content.decode()
    assert "+14155550100 now sends at most 3 texts per second." in page
    assert 'name="rate_per_second" value="3"' in page


def test_a_rate_of_zero_is_refused_and_nothing_changes(member_client, workspace):
    sender = workspace.sender_numbers.get()
    before = sender.rate_per_second
    url = reverse("messaging:sender_rate", kwargs={"slug": workspace.slug, "pk": sender.pk})
    response = member_client.post(url, {"rate_per_second": "0"}, follow=True)
    sender.refresh_from_db()
    assert sender.rate_per_second == before
    assert "greater than or equal to 1" in response.content.decode()


def test_an_outsider_cannot_change_our_numbers_rate(outsider_client, workspace):
    sender = workspace.sender_numbers.get()
    url = reverse("messaging:sender_rate", kwargs={"slug": workspace.slug, "pk": sender.pk})
    assert outsider_client.post(url, {"rate_per_second": "500"}).status_code == 404
    sender.refresh_from_db()
    assert sender.rate_per_second != 500


def test_delivery_holds_a_sender_to_its_rate(workspace, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "messaging.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "3" * 32
    workspace.sender_numbers.update(rate_per_second=10)
    numbers = [f"+1415555{n:04d}" for n in range(3000, 3040)]
    allowed_at: list[float] = []
    take = rate.take

    def recording_take(**kwargs):
        granted, wait_for = take(**kwargs)
        allowed_at.extend([time.monotonic()] * granted)
        return granted, wait_for

    monkeypatch.setattr(rate, "take", recording_take)
    with FakeTwilio(latency=0.05) as fake:
        settings.TWILIO_API_BASE_URL = fake.url
        with django_capture_on_commit_callbacks(execute=False):
            messages = services.send_bulk(workspace=workspace, recipients=numbers, body="Slow")
        delivery.deliver_many([m.pk for m in messages], budget=None)
        arrivals = sorted(c.arrived for c in fake.calls)
    assert Message.objects.filter(status="sent").count() == len(arrivals) == 40
    burst = rate.burst_for(10)
    # The moments texts were let go: in any stretch of time, at most 10 a second plus the burst …
    for i, start in enumerate(allowed_at):
        for j in range(i, len(allowed_at)):
            assert j - i + 1 <= 10 * (allowed_at[j] - start) + burst + 1, (i, j)  # +1: clock read after the grant
    # … and over the run, 10 a second (within 10%, less when a loaded machine lags behind).
    measured = (len(allowed_at) - burst) / (allowed_at[-1] - allowed_at[0])
    assert 8.0 <= measured <= 10.0 * 1.1, measured
    # And the provider saw them spread out the same way, give or take a loaded machine's jitter.
    assert arrivals[-1] - arrivals[0] >= (40 - burst) / 10 - 0.5


def test_a_delivery_task_hands_back_texts_it_would_wait_too_long_for(
    workspace, monkeypatch, sms_outbox, django_capture_on_commit_callbacks
):
    workspace.sender_numbers.update(rate_per_second=1)
    handed_back: list[list[int]] = []
    monkeypatch.setattr(delivery, "_hand_back", handed_back.append)
    monkeypatch.setattr(delivery, "_runs_in_process", lambda: False)  # as in a worker, with a broker
    with django_capture_on_commit_callbacks(execute=False):
        messages = services.send_bulk(workspace=workspace, recipients=["+14155550141", "+14155550142"], body="Hi")
    started = time.monotonic()
    left = delivery.deliver_many([m.pk for m in messages], budget=0.2)
    assert time.monotonic() - started < 0.5  # a warm shutdown never waits for a slow sender's queue
    assert len(sms_outbox) == 1
    assert left == handed_back[0] == [messages[1].pk]
    assert Message.objects.get(pk=messages[1].pk).status == "queued"


@pytest.mark.integration
def test_the_rate_is_shared_by_every_worker_through_redis(redis_url, settings):
    """Four "workers" (threads, each asking Redis on its own) together get 20 texts a second, not 80."""
    settings.SMS_RATE_LIMIT_REDIS_URL = redis_url
    sender = f"+1415{uuid.uuid4().int % 10_000_000:07d}"
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            got, wait_for = rate.take(sender=sender, rate=20, wanted=5)
            with lock:
                granted.extend([time.monotonic()] * got)
            time.sleep(min(wait_for, 0.05) if not got else 0.01)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 2 s at 20/s plus the initial burst of 10 is at most 50; four independent limiters would allow 200.
    assert 20 <= len(granted) <= 52, len(granted)
