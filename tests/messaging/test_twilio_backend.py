"""The real Twilio backend's request: account, credentials and form fields, checked by a local fake Twilio."""

from __future__ import annotations

import pytest

from messaging.backends import OutgoingSms, ProviderError
from messaging.backends import twilio as twilio_backend
from tests.support.fake_twilio import FakeTwilio

SETTINGS_ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def fake(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SETTINGS_ACCOUNT, "settings-token"
    with FakeTwilio() as server:
        settings.TWILIO_API_BASE_URL = server.url
        yield server


def _sms(workspace) -> OutgoingSms:
    return OutgoingSms(workspace_id=workspace.id, from_phone="+14155550100", to="+14155550123", body="Hi", message_id=1)


def test_sends_through_the_settings_account(workspace, fake):
    fake.auth_token = "settings-token"
    sid = twilio_backend.SmsBackend().send(_sms(workspace))
    [call] = fake.calls
    assert sid == call.sid and sid.startswith("SM")
    assert (call.account_sid, call.to, call.from_, call.body) == (
        SETTINGS_ACCOUNT,
        "+14155550123",
        "+14155550100",
        "Hi",
    )
    assert call.status_callback == "https://emu.example.com/webhooks/twilio/status/?message=1"


def test_a_workspace_with_its_own_account_uses_it(workspace, fake):
    workspace.twilio_account_sid, workspace.twilio_auth_token = "AC" + "2" * 32, "own-token"
    workspace.save()
    fake.auth_token = "own-token"  # the settings token would be refused (401)
    twilio_backend.SmsBackend().send(_sms(workspace))
    assert [c.account_sid for c in fake.calls] == ["AC" + "2" * 32]


def test_a_wrong_token_is_a_refusal_that_is_not_retried(workspace, fake):
    fake.auth_token = "another-token"
    with pytest.raises(ProviderError) as caught:
        twilio_backend.SmsBackend().send(_sms(workspace))
    assert (caught.value.code, caught.value.retryable) == (20003, False)


def test_unsubscribed_recipient_error_keeps_twilios_code(workspace, fake):
    fake.script("+14155550123", fake.error(21610, 400, "Attempt to send to unsubscribed recipient"))
    with pytest.raises(ProviderError) as caught:
        twilio_backend.SmsBackend().send(_sms(workspace))
    assert caught.value.code == 21610
    assert "unsubscribed" in str(caught.value)


def test_keep_alive_connections_are_reused_between_calls(workspace, fake):
    backend = twilio_backend.SmsBackend()
    for _ in range(3):
        backend.send(_sms(workspace))
    pool = twilio_backend._pool().connection_from_url(fake.url)
    assert len(fake.calls) == 3
    assert pool.num_connections == 1


def test_missing_credentials_is_a_provider_error(workspace, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ProviderError, match="credentials"):
        twilio_backend.SmsBackend().send(_sms(workspace))
