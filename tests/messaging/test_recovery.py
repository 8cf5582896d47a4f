"""Beat's recovery of deliveries: interrupted texts become unconfirmed, lost ones are queued again (SPEC §5)."""

from __future__ import annotations

from datetime import timedelta

from django.db import OperationalError
from django.utils import timezone

from messaging import delivery, services
from messaging.models import Message


def _queued(workspace, django_capture_on_commit_callbacks, to: str = "+14155550199") -> Message:
    with django_capture_on_commit_callbacks(execute=False):
        return services.send_message(workspace=workspace, to=to, body="Hi")


def test_a_database_error_failing_interrupted_texts_does_not_stop_lost_ones_being_queued_again(
    workspace, monkeypatch, sms_outbox, django_capture_on_commit_callbacks
):
    message = _queued(workspace, django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    real_filter = Message.objects.filter

    def flaky_filter(*args, **kwargs):
        if kwargs.get("status") == "sending":
            raise OperationalError("server closed the connection unexpectedly")
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Message.objects, "filter", flaky_filter)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.recover_stuck()
    monkeypatch.undo()
    assert result == {"interrupted": 0, "requeued": 1}
    assert [sms.to for sms in sms_outbox] == ["+14155550199"]


def test_a_text_waiting_behind_a_backlog_is_not_queued_twice(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    message = _queued(workspace, django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(seconds=60))
    monkeypatch.setattr(delivery, "_delivery_backlog", lambda: 5000)  # tasks still waiting in Redis
    with django_capture_on_commit_callbacks(execute=False) as queued_again:
        assert services.recover_stuck()["requeued"] == 0
    assert queued_again == []
    monkeypatch.setattr(delivery, "_delivery_backlog", lambda: 0)  # the queue is empty: its task was lost
    with django_capture_on_commit_callbacks(execute=False) as queued_again:
        assert services.recover_stuck()["requeued"] == 1
    assert len(queued_again) == 1


def test_a_text_queued_again_is_not_queued_again_at_the_next_run(workspace, django_capture_on_commit_callbacks):
    message = _queued(workspace, django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(seconds=60))
    with django_capture_on_commit_callbacks(execute=False):
        assert services.recover_stuck()["requeued"] == 1
    with django_capture_on_commit_callbacks(execute=False):
        assert services.recover_stuck()["requeued"] == 0
