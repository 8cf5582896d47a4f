"""A send the provider refuses because the recipient replied STOP to it (Twilio 21610, SPEC §4, §6)."""

from __future__ import annotations

import pytest

from messaging import services
from messaging.backends import ProviderError
from optouts.models import OptOut, OptOutEvent

NUMBER = "+14155550123"


@pytest.fixture
def unsubscribed(monkeypatch):
    """The provider refuses every text: its recipient replied STOP to it."""

    def refuse(self, sms):
        raise ProviderError("Attempt to send to unsubscribed recipient", code=21610)

    monkeypatch.setattr("messaging.backends.locmem.SmsBackend.send", refuse)


def test_the_opt_out_it_records_names_the_provider_error_and_the_refused_text(
    workspace, member, unsubscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        refused = services.send_message(workspace=workspace, to=NUMBER, body="Sale", actor=member)

    services.deliver(refused.pk)

    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert optout.reason == "The provider reported that this number replied STOP (Twilio error 21610)."
    event = OptOutEvent.objects.get(workspace=workspace, phone=NUMBER, action="opted_out")
    assert (event.details["provider_error"], event.details["outbound_message_id"]) == (21610, refused.pk)
