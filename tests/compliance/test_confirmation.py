from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from compliance import links
from compliance.models import DEFAULT_CONFIRMATION, ComplianceSettings, ConfirmationReply
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services
from tests.support.twilio import inbound

NUMBER = "+14155550123"


@pytest.fixture
def confirmation_on(workspace):
    return ComplianceSettings.objects.create(workspace=workspace, confirmation_enabled=True)


def _texts_to(number: str, outbox) -> list[str]:
    return [sms.body for sms in outbox if sms.to == number]


def test_no_confirmation_is_sent_unless_the_workspace_turns_it_on(
    client, workspace, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP")
    assert sms_outbox == []
    assert not Message.objects.filter(direction="outbound").exists()


def test_a_stop_reply_gets_exactly_one_confirmation_text(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP")
    assert _texts_to(NUMBER, sms_outbox) == [DEFAULT_CONFIRMATION.replace("{workspace}", "Acme Bakery")]
    assert sms_outbox[0].from_phone == "+14155550100"
    confirmation = Message.objects.get(direction="outbound")
    assert (confirmation.status, confirmation.to_phone) == ("sent", NUMBER)
    exemption = ConfirmationReply.objects.get()
    assert (exemption.status, exemption.message) == ("used", confirmation)
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)


def test_stop_replied_twice_still_gets_one_confirmation(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP", sid="SM1")
        inbound(client, body="stop!!", sid="SM2")
        inbound(client, body="STOP", sid="SM1")  # the provider retrying the first webhook
        inbound(client, body="Unsubscribe", sid="SM3")
    assert len(_texts_to(NUMBER, sms_outbox)) == 1
    assert ConfirmationReply.objects.count() == 1


def test_the_confirmation_uses_the_workspaces_own_words(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    confirmation_on.confirmation_template = "{workspace}: no more texts. Text SUBSCRIBE to rejoin."
    confirmation_on.save()
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="stop")
    assert _texts_to(NUMBER, sms_outbox) == ["Acme Bakery: no more texts. Text SUBSCRIBE to rejoin."]


def _stop_then_worker_after(client, delay: timedelta, capture_on_commit_callbacks) -> None:
    """A STOP arrives now; the worker picks the confirmation's task up ``delay`` later."""
    with capture_on_commit_callbacks(execute=False) as callbacks:
        inbound(client, body="STOP")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + delay):
        for callback in callbacks:
            callback()


def test_a_confirmation_that_would_go_out_after_five_minutes_is_never_sent(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    _stop_then_worker_after(client, timedelta(minutes=5, seconds=1), django_capture_on_commit_callbacks)
    assert sms_outbox == []
    confirmation = Message.objects.get(direction="outbound")
    assert (confirmation.status, confirmation.failure_reason) == ("failed", "opted_out")
    assert ConfirmationReply.objects.get().status == "reserved"


def test_a_confirmation_just_inside_five_minutes_is_sent(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    _stop_then_worker_after(client, timedelta(minutes=4, seconds=50), django_capture_on_commit_callbacks)
    assert len(_texts_to(NUMBER, sms_outbox)) == 1


def test_an_opt_out_by_a_pack_or_custom_word_gets_the_confirmation_too(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    confirmation_on.packs, confirmation_on.custom_opt_out = ["us_carrier"], ["NO MORE"]
    confirmation_on.save()
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="Quit", sid="SM1")
        inbound(client, body="No more!", from_="+14155550124", sid="SM2")
    expected = [DEFAULT_CONFIRMATION.replace("{workspace}", "Acme Bakery")]
    assert _texts_to(NUMBER, sms_outbox) == expected
    assert _texts_to("+14155550124", sms_outbox) == expected


def test_the_guard_still_blocks_every_other_text_to_the_number(
    client, workspace, member, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        waiting = messaging_services.send_message(workspace=workspace, to=NUMBER, body="queued before the STOP")
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP")
        single = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Hi again", actor=member)
        (bulk,) = messaging_services.send_bulk(workspace=workspace, recipients=[NUMBER], body="Sale", actor=member)
    messaging_services.deliver(waiting.pk)
    waiting.refresh_from_db()
    # The STOP cancelled what was waiting (SPEC §6); what came after is refused by the guard.
    assert waiting.status == "cancelled"
    for message in (single, bulk):
        message.refresh_from_db()
        assert (message.status, message.failure_reason) == ("failed", "opted_out"), message.body
    assert len(_texts_to(NUMBER, sms_outbox)) == 1


def test_a_spent_exemption_lets_no_second_message_through(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP")
        exemption = ConfirmationReply.objects.get()
        again = messaging_services.send_message(
            workspace=workspace, to=NUMBER, body="second try", guard_exemption=exemption.pk
        )
    assert (again.status, again.failure_reason) == ("failed", "opted_out")
    messaging_services.deliver(exemption.message_id)  # a redelivered task
    assert len(_texts_to(NUMBER, sms_outbox)) == 1


def test_an_exemption_is_only_good_for_its_own_number(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    optout_services.opt_out(workspace=workspace, phone="+14155550999", method="manual")
    with django_capture_on_commit_callbacks(execute=False):
        inbound(client, body="STOP")
    exemption = ConfirmationReply.objects.get()
    ConfirmationReply.objects.filter(pk=exemption.pk).update(status="pending", message=None)
    other = messaging_services.send_message(
        workspace=workspace, to="+14155550999", body="sneaking past", guard_exemption=exemption.pk
    )
    assert (other.status, other.failure_reason) == ("failed", "opted_out")


def test_opting_out_again_after_subscribe_gets_a_new_confirmation(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="STOP", sid="SM1")
        inbound(client, body="SUBSCRIBE", sid="SM2")
        inbound(client, body="STOP", sid="SM3")
    assert len(_texts_to(NUMBER, sms_outbox)) == 2
    assert ConfirmationReply.objects.filter(status="used").count() == 2


def test_manual_and_link_opt_outs_get_no_confirmation(
    client, workspace, member, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
        code = links.code_for(workspace=workspace, phone="+14155550124")
        client.post(f"/o/{code}")
    assert sms_outbox == []
    assert not ConfirmationReply.objects.exists()


def test_a_confirmation_that_cannot_be_sent_never_undoes_the_opt_out(
    client, workspace, confirmation_on, sms_outbox, django_capture_on_commit_callbacks
):
    # Longer than any text may be once {workspace} is filled in (saved around the form's check).
    confirmation_on.confirmation_template = "{workspace} " * 200
    confirmation_on.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = inbound(client, body="STOP")
    assert response.status_code == 200
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)
    assert ConfirmationReply.objects.get().status == "failed"
    assert sms_outbox == []
