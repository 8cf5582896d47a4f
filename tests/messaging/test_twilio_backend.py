"""The real Twilio backend, with the HTTP layer replaced by a canned Twilio answer."""

from __future__ import annotations

import json

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from messaging.backends import OutgoingSms, ProviderError
from messaging.backends import twilio as twilio_backend


class CannedHttpClient(HttpClient):
    status, body = 201, {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}
    requests: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(logger=None, is_async=False)

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        CannedHttpClient.requests.append({"url": url, "data": data, "auth": auth})
        return Response(self.status, json.dumps(self.body))


@pytest.fixture
def canned(monkeypatch, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "settings-token"
    CannedHttpClient.requests = []
    monkeypatch.setattr(twilio_backend, "TwilioHttpClient", CannedHttpClient)
    return CannedHttpClient


def _sms(workspace) -> OutgoingSms:
    return OutgoingSms(workspace_id=workspace.id, from_phone="+14155550100", to="+14155550123", body="Hi", message_id=1)


def test_sends_through_the_settings_account(workspace, canned):
    sid = twilio_backend.SmsBackend().send(_sms(workspace))
    assert sid == "SM0123456789abcdef0123456789abcdef"
    request = canned.requests[0]
    assert request["data"] == {
        "To": "+14155550123",
        "From": "+14155550100",
        "Body": "Hi",
        "StatusCallback": "https://emu.example.com/webhooks/twilio/status/?message=1",
    }
    assert request["auth"][0] == "AC" + "1" * 32


def test_a_workspace_with_its_own_account_uses_it(workspace, canned):
    workspace.twilio_account_sid, workspace.twilio_auth_token = "AC" + "2" * 32, "own-token"
    workspace.save()
    twilio_backend.SmsBackend().send(_sms(workspace))
    assert canned.requests[0]["auth"] == ("AC" + "2" * 32, "own-token")


def test_unsubscribed_recipient_error_keeps_twilios_code(workspace, canned, monkeypatch):
    monkeypatch.setattr(CannedHttpClient, "status", 400)
    monkeypatch.setattr(
        CannedHttpClient, "body", {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    )
    with pytest.raises(ProviderError) as caught:
        twilio_backend.SmsBackend().send(_sms(workspace))
    assert caught.value.code == 21610
    assert "unsubscribed" in str(caught.value)


def test_missing_credentials_is_a_provider_error(workspace, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ProviderError, match="credentials"):
        twilio_backend.SmsBackend().send(_sms(workspace))
