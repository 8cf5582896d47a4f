"""The confirmation reply through Redis and a real worker, with STOPs arriving at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from compliance.models import ComplianceSettings, ConfirmationReply
from messaging import services as messaging_services
from messaging.models import Message
from tests.support import recording_backend

pytestmark = pytest.mark.integration

NUMBER = "+14155550123"


@pytest.fixture
def recording(monkeypatch, tmp_path):
    path = tmp_path / "provider-calls.jsonl"
    monkeypatch.setenv("RECORDING_BACKEND_LOG", str(path))
    monkeypatch.setenv("TEST_WORKER_SMS_BACKEND", "tests.support.recording_backend.SmsBackend")
    return str(path)


def _wait_until_settled(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Message.objects.filter(direction="outbound", status__in=["queued", "sending"]).exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"messages still queued or sending after {timeout}s")


def test_simultaneous_stops_get_one_confirmation_and_nothing_else_gets_through(
    recording, celery_worker, workspace, member
):
    ComplianceSettings.objects.create(workspace=workspace, confirmation_enabled=True)
    # Accepted before the STOPs, handed to the worker after them.
    earlier = messaging_services.send_message(
        workspace=workspace, to=NUMBER, body="Sale!", actor=member, scheduled_for=timezone.now() + timedelta(hours=1)
    )

    def stop(sid: str) -> None:
        try:
            messaging_services.receive_message(to="+14155550100", from_=NUMBER, body="STOP", provider_sid=sid)
        finally:
            connection.close()

    threads = [threading.Thread(target=stop, args=(f"SM{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Message.objects.filter(pk=earlier.pk).update(scheduled_for=timezone.now())
    messaging_services.dispatch_due()
    messaging_services.send_bulk(workspace=workspace, recipients=[NUMBER], body="Another sale", actor=member)
    _wait_until_settled()

    calls = recording_backend.read(recording)
    assert [c["body"] for c in calls] == [
        "You have been unsubscribed from Acme Bakery. Reply SUBSCRIBE to receive messages again."
    ]
    assert ConfirmationReply.objects.get().status == "used"
    blocked = Message.objects.filter(direction="outbound", status="failed", failure_reason="opted_out")
    assert set(blocked.values_list("body", flat=True)) == {"Another sale"}
    # Scheduled before the STOPs: the opt-out cancelled it (SPEC §6).
    assert Message.objects.get(pk=earlier.pk).status == "cancelled"
