from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from contacts.models import Contact
from conversations.models import Conversation
from messaging.models import Message, UnroutedMessage
from optouts import services as optout_services
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import WEBHOOK_PATH, inbound, sign


def test_signed_stop_reply_opts_the_number_out_with_method_reply(client, workspace):
    response = inbound(client, body="STOP please")
    assert response.status_code == 200
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550123")
    assert optout.method == "reply"
    assert optout.reason == "STOP please"
    assert optout.created_by is None
    assert optout.source_message.body == "STOP please"
    assert optout.source_message.status == "received"


def test_inbound_text_is_stored_in_its_conversation_linked_to_the_contact(client, workspace):
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    inbound(client, body="See you at 5")
    conversation = Conversation.objects.get(workspace=workspace, phone="+14155550123")
    assert conversation.contact == contact
    message = conversation.messages.get()
    assert (message.direction, message.status, message.body) == ("inbound", "received", "See you at 5")
    assert not OptOut.objects.exists()


def test_subscribe_after_a_manual_opt_out_removes_it(client, workspace, member):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    inbound(client, body="subscribe")
    assert not OptOut.objects.exists()
    event = OptOutEvent.objects.filter(action="opted_in").get()
    assert event.method == "reply"


def test_repeated_stop_keeps_one_entry_and_records_the_repeat(client, workspace):
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body="stop!!", sid="SM2")
    assert OptOut.objects.get().reason == "STOP"
    repeat = OptOutEvent.objects.order_by("id").last()
    assert repeat.details["already_opted_out"] is True


@pytest.mark.parametrize(
    "signature", [None, "", "bm90LWEtc2lnbmF0dXJl", "wrong"], ids=["missing", "empty", "forged", "garbage"]
)
def test_bad_signature_is_403_and_stores_nothing(client, workspace, signature):
    params = {"From": "+14155550123", "To": "+14155550100", "Body": "STOP", "MessageSid": "SM1"}
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    response = client.post(WEBHOOK_PATH, params, **headers)
    assert response.status_code == 403
    assert not Message.objects.exists()
    assert not OptOut.objects.exists()


def test_altered_parameter_breaks_the_signature(client, workspace):
    params = {"From": "+14155550123", "To": "+14155550100", "Body": "hello", "MessageSid": "SM1"}
    signature = sign(params)
    response = client.post(WEBHOOK_PATH, params | {"Body": "STOP"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert not OptOut.objects.exists()


def test_signature_with_another_token_is_refused(client, workspace):
    params = {"From": "+14155550123", "To": "+14155550100", "Body": "STOP", "MessageSid": "SM1"}
    response = client.post(WEBHOOK_PATH, params, HTTP_X_TWILIO_SIGNATURE=sign(params, token="someone-else"))
    assert response.status_code == 403


def test_workspace_with_its_own_token_is_verified_with_it(client, workspace):
    workspace.twilio_auth_token = "workspace-token"
    workspace.save()
    params = {"From": "+14155550123", "To": "+14155550100", "Body": "STOP", "MessageSid": "SM9"}
    response = client.post(WEBHOOK_PATH, params, HTTP_X_TWILIO_SIGNATURE=sign(params, token="workspace-token"))
    assert response.status_code == 200
    assert OptOut.objects.filter(phone="+14155550123").exists()


def test_get_is_not_allowed(client):
    assert client.get(WEBHOOK_PATH).status_code == 405


def test_replayed_message_sid_is_processed_once(client, workspace):
    first = inbound(client, body="STOP", sid="SMreplay")
    second = inbound(client, body="STOP", sid="SMreplay")
    assert first.status_code == second.status_code == 200
    assert Message.objects.filter(provider_sid="SMreplay").count() == 1
    assert OptOutEvent.objects.count() == 1


def test_unknown_to_number_is_answered_200_and_kept_aside_not_applied(client, workspace):
    response = inbound(client, body="STOP", to="+14155550999")
    assert response.status_code == 200
    assert not Message.objects.exists()
    assert not OptOut.objects.exists()
    assert UnroutedMessage.objects.get().body == "STOP"


def test_keyword_from_a_non_phone_sender_is_stored_but_not_applied(client, workspace):
    response = inbound(client, body="STOP", from_="ACME")
    assert response.status_code == 200
    assert Message.objects.filter(from_phone="ACME").exists()
    assert not OptOut.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_message_sid_is_stored_once(postgres, workspace):
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post():
        try:
            barrier.wait()
            statuses.append(inbound(Client(), body="STOP", sid="SMrace").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200, 200, 200]
    assert Message.objects.filter(provider_sid="SMrace").count() == 1
    assert OptOut.objects.count() == 1
    assert OptOutEvent.objects.count() == 1
