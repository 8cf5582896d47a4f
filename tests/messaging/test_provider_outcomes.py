"""Every provider outcome, through the real Twilio backend talking HTTP to a local fake Twilio (SPEC §5)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from messaging import delivery, services
from messaging.models import Message
from tests.support.fake_twilio import FakeTwilio, refused_url
from tests.support.twilio import sign

TO = "+14155550123"
ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def fake(settings):
    settings.SMS_BACKEND = "messaging.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.SMS_PROVIDER_TIMEOUT = 1
    settings.SMS_PROVIDER_CONNECT_TIMEOUT = 1
    settings.SMS_MAX_RETRIES = 2
    with FakeTwilio(auth_token=settings.TWILIO_AUTH_TOKEN) as server:
        settings.TWILIO_API_BASE_URL = server.url
        yield server


@pytest.fixture
def no_backoff(monkeypatch):
    """Retries run at once (eager tasks ignore countdown anyway); record the delays asked for."""
    asked: list[int] = []
    original = delivery._retry_later

    def retry_later(messages):
        asked.extend(2 ** (m.attempts - 1) for m in messages)
        original(messages)

    monkeypatch.setattr(delivery, "_retry_later", retry_later)
    return asked


def _send(workspace, django_capture_on_commit_callbacks, body: str = "Hi") -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(workspace=workspace, to=TO, body=body)
    message.refresh_from_db()
    return message


def test_an_accepted_text_is_sent_with_twilios_id(workspace, fake, django_capture_on_commit_callbacks):
    message = _send(workspace, django_capture_on_commit_callbacks)
    [call] = fake.calls
    assert (message.status, message.provider_sid) == ("sent", call.sid)
    assert (call.account_sid, call.to, call.from_, call.body) == (ACCOUNT, TO, "+14155550100", "Hi")
    assert call.message_id == message.pk  # the receipt URL carries our id


@pytest.mark.parametrize(("code", "reason"), [(21610, "opted_out"), (21211, "invalid_number")])
def test_a_refusal_about_the_recipient_fails_at_once_and_is_not_retried(
    workspace, fake, code, reason, django_capture_on_commit_callbacks
):
    fake.script(TO, fake.error(code))
    message = _send(workspace, django_capture_on_commit_callbacks)
    assert (message.status, message.failure_reason) == ("failed", reason)
    assert len(fake.calls) == 1


def test_too_many_requests_is_retried_with_backoff_and_then_sent(
    workspace, fake, no_backoff, django_capture_on_commit_callbacks
):
    fake.script(TO, fake.rate_limited(), fake.rate_limited(), fake.accepted())
    message = _send(workspace, django_capture_on_commit_callbacks)
    assert message.status == "sent"
    assert [c.answer for c in fake.calls] == ["error 20429", "error 20429", "accepted"]
    assert no_backoff == [1, 2]  # seconds: doubling each time
    assert message.attempts == 2


def test_a_server_error_with_an_error_body_is_retried_a_few_times_then_fails(
    workspace, fake, no_backoff, django_capture_on_commit_callbacks
):
    fake.script(TO, fake.server_error())
    message = _send(workspace, django_capture_on_commit_callbacks)
    assert (message.status, message.failure_reason) == ("failed", "provider_error")
    assert len(fake.calls) == 3  # the first try and SMS_MAX_RETRIES=2 retries


def test_a_refused_connection_is_retried_then_fails_as_a_provider_error(
    workspace, settings, no_backoff, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "messaging.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID, settings.SMS_MAX_RETRIES = ACCOUNT, 2
    settings.TWILIO_API_BASE_URL = refused_url()
    message = _send(workspace, django_capture_on_commit_callbacks)
    assert (message.status, message.failure_reason) == ("failed", "provider_error")
    assert "could not be reached" in message.error_message
    assert no_backoff == [1, 2]


@pytest.mark.parametrize(
    "answer",
    [FakeTwilio.no_answer(2.5), FakeTwilio.hang_up(), FakeTwilio.bare_5xx()],
    ids=["timeout after the request was sent", "connection dropped", "5xx without an error body"],
)
def test_an_unknown_outcome_is_unconfirmed_and_never_sent_again(
    workspace, fake, answer, django_capture_on_commit_callbacks
):
    fake.script(TO, answer, fake.accepted())
    message = _send(workspace, django_capture_on_commit_callbacks)
    assert (message.status, message.failure_reason) == ("failed", "unconfirmed")
    assert "may have been sent" in message.error_message
    services.recover_stuck()
    assert len(fake.calls) == 1


def test_the_messages_page_says_an_unconfirmed_text_may_have_been_sent(
    workspace, fake, member_client, django_capture_on_commit_callbacks
):
    fake.script(TO, fake.hang_up())
    _send(workspace, django_capture_on_commit_callbacks)
    page = member_client.get(reverse("messaging:list", kwargs={"slug": workspace.slug})).content.decode()
    assert "may have been sent — check before resending" in page


def test_a_later_receipt_sets_the_true_status_of_an_unconfirmed_text(
    client, workspace, fake, django_capture_on_commit_callbacks
):
    fake.script(TO, fake.hang_up())
    message = _send(workspace, django_capture_on_commit_callbacks)
    path = f"/webhooks/twilio/status/?message={message.pk}"
    params = {"MessageSid": "SMlate1", "MessageStatus": "delivered", "From": "+14155550100", "To": TO}
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sign(params, path=path))
    assert response.status_code == 204
    message.refresh_from_db()
    assert (message.status, message.failure_reason, message.provider_sid) == ("delivered", "", "SMlate1")


def test_a_batch_keeps_many_calls_in_flight_at_once(workspace, fake, settings, django_capture_on_commit_callbacks):
    fake.latency = 0.5
    numbers = [f"+1415555{n:04d}" for n in range(2000, 2040)]
    with django_capture_on_commit_callbacks(execute=False):
        messages = services.send_bulk(workspace=workspace, recipients=numbers, body="Sale")
    workspace.sender_numbers.update(rate_per_second=1000)
    started = time.monotonic()
    delivery.deliver_many([m.pk for m in messages])
    elapsed = time.monotonic() - started
    assert Message.objects.filter(status="sent").count() == 40
    assert sorted(c.to for c in fake.calls) == numbers
    assert elapsed < 0.5 * 40 / 4  # one after another would take 20 s
    arrivals = sorted(c.arrived for c in fake.calls)
    in_flight_with_the_first = sum(1 for at in arrivals if at - arrivals[0] < fake.latency)
    assert in_flight_with_the_first >= 20  # started before the first call was answered
