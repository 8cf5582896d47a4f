"""The pre-send guard: every way of sending blocks an opted-out number (SPEC §5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Contact
from messaging import delivery, services, tasks
from messaging.backends import ProviderError
from messaging.models import Message
from optouts import services as optout_services


@pytest.fixture
def opted_out(workspace, member):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    return "+14155550123"


def test_single_send_to_an_allowed_number_reaches_the_provider(
    workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(workspace=workspace, to="(415) 555-0199", body="Hi", actor=member)
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.provider_sid.startswith("locmem-")
    assert [(sms.to, sms.body) for sms in sms_outbox] == [("+14155550199", "Hi")]


def test_single_send_to_an_opted_out_number_fails_at_once(
    workspace, member, opted_out, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.send_message(workspace=workspace, to="415-555-0123", body="Hi", actor=member)
    assert (message.status, message.failure_reason) == ("failed", "opted_out")
    assert callbacks == []  # no delivery task was queued
    assert sms_outbox == []


def test_invalid_number_is_refused_and_nothing_is_created(workspace, member):
    with pytest.raises(ValidationError, match="not a valid phone number"):
        services.send_message(workspace=workspace, to="12", body="Hi", actor=member)
    assert not Message.objects.exists()


def test_empty_body_is_refused(workspace, member):
    with pytest.raises(ValidationError):
        services.send_message(workspace=workspace, to="+14155550199", body="  ", actor=member)


def test_delivery_task_checks_again_before_calling_the_provider(
    workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = services.send_message(workspace=workspace, to="+14155550123", body="Hi", actor=member)
    assert message.status == "queued"
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    # A text created concurrently with the opt-out escapes its cancellation (SPEC §6): the worker still checks.
    Message.objects.filter(pk=message.pk).update(status="queued")
    tasks.deliver_message(message.pk)
    message.refresh_from_db()
    assert (message.status, message.failure_reason) == ("failed", "opted_out")
    assert sms_outbox == []


def test_a_redelivered_task_never_sends_twice(workspace, member, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = services.send_message(workspace=workspace, to="+14155550199", body="Hi", actor=member)
    tasks.deliver_message(message.pk)
    tasks.deliver_message(message.pk)
    assert len(sms_outbox) == 1


def test_bulk_send_blocks_opted_out_recipients_and_sends_the_rest(
    workspace, member, opted_out, sms_outbox, django_capture_on_commit_callbacks
):
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550177")
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_bulk(
            workspace=workspace,
            recipients=["(415) 555-0123", contact, "+447911123456", "not a number"],
            body="Sale today",
            actor=member,
        )
    outcome = {m.to_phone: (m.status, m.failure_reason) for m in Message.objects.all()}
    assert outcome["+14155550123"] == ("failed", "opted_out")
    assert outcome["+14155550177"] == ("sent", "")
    assert outcome["+447911123456"] == ("sent", "")
    assert outcome["not a number"] == ("failed", "invalid_number")
    assert len(sent) == 4
    assert sorted(sms.to for sms in sms_outbox) == ["+14155550177", "+447911123456"]


def test_bulk_send_texts_a_number_given_twice_once(workspace, member, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_bulk(workspace=workspace, recipients=["+14155550177", "(415) 555-0177"], body="Hi")
    assert len(sms_outbox) == 1


def test_bulk_guard_uses_a_constant_number_of_queries(workspace, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n: int) -> tuple[int, int]:
        numbers = [f"+1415555{i:04d}" for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            services.send_bulk(workspace=workspace, recipients=numbers, body="Hi", actor=member)
        Message.objects.all().delete()
        guard = sum("optouts_optout" in q["sql"] for q in captured.captured_queries)
        return guard, len(captured)

    small_guard, _ = queries(10)
    large_guard, large_total = queries(400)
    assert small_guard == large_guard == 1
    assert large_total < 40  # batched writes, never a query per recipient


def test_scheduled_send_is_checked_again_when_it_goes_out(
    workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=1)
    message = services.send_message(workspace=workspace, to="+14155550123", body="Later", scheduled_for=later)
    assert message.status == "scheduled"
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    # As if it escaped the opt-out's cancellation (created concurrently): the release still checks.
    Message.objects.filter(pk=message.pk).update(
        status="scheduled", scheduled_for=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_messages() == 1
    message.refresh_from_db()
    assert (message.status, message.failure_reason) == ("failed", "opted_out")
    assert sms_outbox == []


def test_scheduled_send_goes_out_when_due(workspace, member, sms_outbox, django_capture_on_commit_callbacks):
    message = services.send_message(
        workspace=workspace, to="+14155550199", body="Later", scheduled_for=timezone.now() + timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_messages() == 0
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_messages() == 1
    message.refresh_from_db()
    assert message.status == "sent"
    assert [sms.body for sms in sms_outbox] == ["Later"]


def test_scheduled_bulk_send_is_blocked_when_due(workspace, member, sms_outbox, django_capture_on_commit_callbacks):
    services.send_bulk(
        workspace=workspace,
        recipients=["+14155550123", "+14155550199"],
        body="Later",
        scheduled_for=timezone.now() + timedelta(hours=1),
    )
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    assert Message.objects.get(to_phone="+14155550123").status == "cancelled"
    # As if it escaped the cancellation (created concurrently with the opt-out).
    Message.objects.filter(to_phone="+14155550123").update(status="scheduled")
    Message.objects.update(scheduled_for=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_due_messages()
    assert [sms.to for sms in sms_outbox] == ["+14155550199"]
    assert Message.objects.get(to_phone="+14155550123").failure_reason == "opted_out"


def test_removing_an_opt_out_lets_the_next_send_through_at_once(
    workspace, member, opted_out, sms_outbox, django_capture_on_commit_callbacks
):
    blocked = services.send_message(workspace=workspace, to=opted_out, body="Before")
    optout = workspace.optouts.get(phone=opted_out)
    optout_services.remove_opt_out(workspace=workspace, optout=optout, actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        allowed = services.send_message(workspace=workspace, to=opted_out, body="After")
    allowed.refresh_from_db()
    assert blocked.status == "failed"
    assert allowed.status == "sent"
    assert [sms.body for sms in sms_outbox] == ["After"]


class _FailingBackend:
    error = ProviderError("boom", code=30003)

    def send(self, sms):
        raise self.error


@pytest.mark.parametrize(
    ("code", "reason"), [(21610, "opted_out"), (21211, "invalid_number"), (30003, "provider_error")]
)
def test_provider_errors_mark_the_message_failed_with_a_reason(
    workspace, member, monkeypatch, code, reason, django_capture_on_commit_callbacks
):
    backend = _FailingBackend()
    backend.error = ProviderError(f"Twilio said {code}", code=code)
    monkeypatch.setattr(delivery, "get_backend", lambda: backend)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(workspace=workspace, to="+14155550199", body="Hi")
    message.refresh_from_db()
    assert (message.status, message.failure_reason) == ("failed", reason)
    assert message.error_message == f"Twilio said {code}"


def test_a_message_stuck_in_sending_is_unconfirmed_not_resent(
    workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = services.send_message(workspace=workspace, to="+14155550199", body="Hi")
    Message.objects.filter(pk=message.pk).update(status="sending", updated_at=timezone.now() - timedelta(hours=1))
    result = tasks.fail_stale_sending()
    message.refresh_from_db()
    assert result["interrupted"] == 1
    assert (message.status, message.failure_reason) == ("failed", "unconfirmed")
    assert "may have been sent" in message.error_message
    assert sms_outbox == []


def test_a_queued_message_whose_task_was_lost_is_queued_again(
    workspace, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = services.send_message(workspace=workspace, to="+14155550199", body="Hi")
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.fail_stale_sending()["requeued"] == 1
    assert len(sms_outbox) == 1


def test_cancel_pending_cancels_queued_and_scheduled_only(
    workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queued = services.send_message(workspace=workspace, to="+14155550123", body="Now")
    scheduled = services.send_message(
        workspace=workspace, to="+14155550123", body="Later", scheduled_for=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_message(workspace=workspace, to="+14155550123", body="Done")
    assert services.cancel_pending_to(workspace=workspace, phones=["+14155550123"]) == 2
    statuses = {m.pk: m.status for m in Message.objects.all()}
    assert statuses[queued.pk] == statuses[scheduled.pk] == "cancelled"
    assert statuses[sent.pk] == "sent"
