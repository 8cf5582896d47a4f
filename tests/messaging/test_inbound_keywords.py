"""Inbound texts as carriers and regulators read them (issue 10), through the signed webhook.

Every request here is signed by the official ``twilio`` RequestValidator
(tests/support/twilio.py), exactly as Twilio signs it.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from compliance.models import ComplianceSettings, ConfirmationReply, LikelyOptOut
from messaging import services as messaging_services
from messaging.backends import ProviderError
from messaging.models import Message, SenderNumber, UnroutedMessage
from optouts import services as optout_services
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import inbound, sign

NUMBER = "+14155550123"


def _opted_out(workspace) -> bool:
    return optout_services.is_opted_out(workspace=workspace, phone=NUMBER)


# --- the carrier / FCC words: always on, the whole message only ---------------------


@pytest.mark.parametrize("body", ["QUIT", "end", "Cancel", "REVOKE", "stopall", "OPTOUT", "opt out", "Opt-Out", "End."])
def test_a_carrier_word_as_the_whole_message_opts_out_with_no_setup(client, workspace, body):
    assert inbound(client, body=body).status_code == 200
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.reason, optout.created_by) == ("reply", body, None)
    assert optout.source_message.body == body


@pytest.mark.parametrize("body", ["Cancel my 3pm appointment please", "End of story", "Quit it lol"])
def test_a_carrier_word_in_a_sentence_does_not_opt_out_and_goes_to_review(client, workspace, body):
    assert inbound(client, body=body).status_code == 200
    assert not _opted_out(workspace)
    flag = LikelyOptOut.objects.get(workspace=workspace)
    assert (flag.phone, flag.message.body, flag.status) == (NUMBER, body, "pending")


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["ＳＴＯＰ", "\u200bSTOP", '"STOP"', "*stop*", "🛑 STOP", "STOP!!!", "\ufeffunsubscribe", "STOP\x00"],
    ids=["full-width", "zero-width-space", "quoted", "starred", "emoji", "exclaimed", "bom-unsubscribe", "nul"],
)
def test_a_stop_in_any_disguise_opts_out(client, workspace, body):
    assert inbound(client, body=body).status_code == 200
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert optout.method == "reply"
    assert "\x00" not in optout.reason and "\x00" not in optout.source_message.body


def test_nul_and_control_characters_are_dropped_before_the_text_is_stored(client, workspace):
    assert inbound(client, body="STOP\x00 now\x07\nplease").status_code == 200
    message = Message.objects.get(direction="inbound")
    assert message.body == "STOP now\nplease"
    assert OptOut.objects.get().reason == "STOP now\nplease"


# --- opt-in safety ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["SUBSCRIBE? no, STOP", "YES STOP", "Yes please stop", "Start? No. STOP"])
def test_a_text_with_stop_in_it_never_opts_an_opted_out_number_back_in(client, workspace, body):
    ComplianceSettings.objects.create(workspace=workspace, packs=["us_carrier"])
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body=body, sid="SM2")
    assert _opted_out(workspace)
    assert not OptOutEvent.objects.filter(action="opted_in").exists()


def test_the_pack_opt_in_word_alone_still_opts_back_in(client, workspace):
    ComplianceSettings.objects.create(workspace=workspace, packs=["us_carrier"])
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body="Yes!", sid="SM2")
    assert not _opted_out(workspace)


# --- the provider's verdict -----------------------------------------------------------


def test_the_providers_stop_verdict_opts_out_whatever_the_body_says(client, workspace):
    response = inbound(client, body="PARAR", extra={"OptOutType": "STOP"})
    assert response.status_code == 200
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.reason, optout.source_message.body) == ("reply", "PARAR", "PARAR")
    assert OptOutEvent.objects.get().details["provider_verdict"] == "STOP"


def test_the_providers_start_verdict_opts_back_in(client, workspace):
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body="UNSTOP", sid="SM2", extra={"OptOutType": "START"})
    assert not _opted_out(workspace)
    assert OptOutEvent.objects.filter(action="opted_in", method="reply").exists()


def test_a_verdict_in_a_request_with_a_bad_signature_changes_nothing(client, workspace):
    response = inbound(client, body="hello", extra={"OptOutType": "STOP"}, signature="forged")
    assert response.status_code == 403
    assert not OptOut.objects.exists()


def test_a_send_refused_with_21610_records_a_reply_opt_out_with_no_source(
    workspace, member, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Sale", actor=member)
        later = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Sale 2", actor=member)

    def refuse(self, sms):
        raise ProviderError("Attempt to send to unsubscribed recipient", code=21610)

    monkeypatch.setattr("messaging.backends.locmem.SmsBackend.send", refuse)
    messaging_services.deliver(first.pk)
    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.status, first.failure_reason) == ("failed", "opted_out")
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.source_message, optout.created_by) == ("reply", None, None)
    assert "provider reported" in optout.reason and "21610" in optout.reason
    assert later.status == "cancelled"


def test_a_reply_opt_out_without_a_source_message_is_still_refused_to_everyone_else(workspace):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        optout_services.opt_out(workspace=workspace, phone=NUMBER, method="reply")


# --- HELP / INFO --------------------------------------------------------------------------


def _replies(sms_outbox) -> list[str]:
    return [sms.body for sms in sms_outbox if sms.to == NUMBER]


def test_help_twice_gets_one_reply_naming_the_workspace_and_how_to_stop(
    client, workspace, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="HELP", sid="SM1")
        inbound(client, body="help", sid="SM2")
    (reply,) = _replies(sms_outbox)
    assert "Acme Bakery" in reply and "STOP" in reply
    assert not OptOut.objects.exists()


def test_info_is_answered_even_to_an_opted_out_number_and_nothing_else_gets_through(
    client, workspace, member, sms_outbox, django_capture_on_commit_callbacks
):
    inbound(client, body="STOP", sid="SM1")
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="Info", sid="SM2")
        blocked = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Sale", actor=member)
    assert len(_replies(sms_outbox)) == 1
    assert (blocked.status, blocked.failure_reason) == ("failed", "opted_out")
    assert ConfirmationReply.objects.get(kind="help").status == "used"


def test_help_is_answered_again_after_24_hours(client, workspace, sms_outbox, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="HELP", sid="SM1")
    ConfirmationReply.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="HELP", sid="SM2")
    assert len(_replies(sms_outbox)) == 2


def test_the_help_text_is_the_workspaces_own(client, workspace, member, sms_outbox, django_capture_on_commit_callbacks):
    member_url = reverse("compliance:settings", kwargs={"slug": "acme"})
    client.force_login(member)
    client.post(member_url, {"help_reply": "{workspace} bakery line. Text STOP to stop."})
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="HELP")
    assert _replies(sms_outbox) == ["Acme Bakery bakery line. Text STOP to stop."]


def test_a_help_text_that_does_not_say_how_to_opt_out_is_refused(member_client, workspace):
    url = reverse("compliance:settings", kwargs={"slug": "acme"})
    response = member_client.post(url, {"help_reply": "Call us on 555-0100."})
    assert "Say how to opt out in the HELP reply" in response.content.decode()
    assert not ComplianceSettings.objects.exists()


def test_help_in_a_sentence_gets_no_automatic_reply(client, workspace, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="Help me choose a cake")
    assert _replies(sms_outbox) == []


# --- delivery receipts, URLs without the slash, unrouted texts -----------------------------

STATUS_PATH = "/webhooks/twilio/status/"


def _sent(workspace) -> Message:
    return Message.objects.create(
        workspace=workspace,
        direction="outbound",
        from_phone="+14155550100",
        to_phone=NUMBER,
        body="Hi",
        status="sent",
        provider_sid="SMsent1",
    )


def test_a_receipt_signed_with_the_workspaces_own_token_marks_the_text_delivered(client, workspace):
    workspace.twilio_auth_token = "workspace-token"
    workspace.save()
    message = _sent(workspace)
    # On a receipt, To is the recipient: the workspace is found from the text itself.
    params = {"MessageSid": "SMsent1", "MessageStatus": "delivered", "From": "+14155550100", "To": NUMBER}
    signature = sign(params, path=STATUS_PATH, token="workspace-token")
    response = client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_receipt_signed_with_another_workspaces_token_is_refused(client, workspace, other_workspace):
    other_workspace.twilio_auth_token = "globex-token"
    other_workspace.save()
    message = _sent(workspace)
    params = {"MessageSid": "SMsent1", "MessageStatus": "failed", "From": "+14155550100", "To": NUMBER}
    response = client.post(
        STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=sign(params, path=STATUS_PATH, token="globex-token")
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"


def test_an_undelivered_receipt_with_21610_opts_the_recipient_out(client, workspace):
    _sent(workspace)
    params = {"MessageSid": "SMsent1", "MessageStatus": "undelivered", "ErrorCode": "21610", "To": NUMBER}
    client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=sign(params, path=STATUS_PATH))
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.source_message) == ("reply", None)


def test_the_webhook_without_its_trailing_slash_answers_200_and_applies_the_stop(client, workspace):
    response = inbound(client, body="STOP", path="/webhooks/twilio/sms")
    assert response.status_code == 200
    assert _opted_out(workspace)


def test_the_receipt_webhook_without_its_trailing_slash_works_too(client, workspace):
    message = _sent(workspace)
    params = {"MessageSid": "SMsent1", "MessageStatus": "delivered"}
    path = "/webhooks/twilio/status"
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sign(params, path=path)).status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_text_to_a_number_no_workspace_has_is_kept_for_an_operator(client, workspace, admin_client):
    response = inbound(client, body="STOP", to="+14155550999", sid="SMlost")
    assert response.status_code == 200
    assert not Message.objects.exists() and not OptOut.objects.exists()
    kept = UnroutedMessage.objects.get()
    assert (kept.to_phone, kept.from_phone, kept.body, kept.provider_sid) == ("+14155550999", NUMBER, "STOP", "SMlost")
    assert kept.received_at is not None
    assert UnroutedMessage in admin_site._registry
    page = admin_client.get(reverse("admin:messaging_unroutedmessage_changelist")).content.decode()
    assert "+14155550999" in page and "STOP" in page


def test_the_same_unrouted_text_twice_is_kept_once_and_never_replayed(client, workspace):
    inbound(client, body="STOP", to="+14155550999", sid="SMlost")
    inbound(client, body="STOP", to="+14155550999", sid="SMlost")
    assert UnroutedMessage.objects.count() == 1
    SenderNumber.objects.create(workspace=workspace, phone="+14155550999")
    assert not OptOut.objects.exists()


def test_a_stop_right_after_help_neither_cancels_nor_blocks_the_help_reply(
    client, workspace, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as delivery:
        inbound(client, body="HELP", sid="SM1")
        inbound(client, body="STOP", sid="SM2")
    help_reply = Message.objects.get(direction="outbound")
    assert help_reply.status == "queued"
    for task in delivery:
        task()
    assert _replies(sms_outbox) == [help_reply.body]
    assert _opted_out(workspace)


def test_nul_in_every_field_of_a_signed_text_never_makes_it_fail(client, workspace):
    response = inbound(client, body="STOP\x00", from_="+14155550123\x00", to="+14155550100\x00", sid="SM\x001")
    assert response.status_code == 200
    assert _opted_out(workspace)
    assert Message.objects.get().provider_sid == "SM1"
