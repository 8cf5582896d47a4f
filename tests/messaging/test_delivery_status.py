from __future__ import annotations

import pytest

from messaging.models import Message
from tests.support.twilio import sign

STATUS_PATH = "/webhooks/twilio/status/"


@pytest.fixture
def sent(workspace):
    return Message.objects.create(
        workspace=workspace,
        direction="outbound",
        from_phone="+14155550100",
        to_phone="+14155550123",
        body="Hi",
        status="sent",
        provider_sid="SMsent1",
    )


def _receipt(client, status: str, error_code: str = "", signature: str | None = None):
    params = {"MessageSid": "SMsent1", "MessageStatus": status, "From": "+14155550100", "To": "+14155550123"}
    if error_code:
        params["ErrorCode"] = error_code
    signature = sign(params, path=STATUS_PATH) if signature is None else signature
    return client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_delivered_receipt_marks_the_message_delivered(client, sent):
    assert _receipt(client, "delivered").status_code == 204
    sent.refresh_from_db()
    assert sent.status == "delivered"


def test_undelivered_receipt_marks_it_failed_with_the_reason(client, sent):
    _receipt(client, "undelivered", "21610")
    sent.refresh_from_db()
    assert (sent.status, sent.failure_reason) == ("failed", "opted_out")
    assert "21610" in sent.error_message


def test_late_sent_receipt_does_not_undo_delivered(client, sent):
    _receipt(client, "delivered")
    _receipt(client, "sent")
    sent.refresh_from_db()
    assert sent.status == "delivered"


def test_forged_receipt_is_refused(client, sent):
    assert _receipt(client, "failed", signature="forged").status_code == 403
    sent.refresh_from_db()
    assert sent.status == "sent"
