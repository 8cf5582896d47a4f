"""One rule for queued and scheduled texts (SPEC §6): every opt-out, whichever way, cancels them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import services as api_services
from compliance import links
from contacts.models import Contact
from conversations.models import Conversation
from messaging import services as messaging_services
from messaging.backends import ProviderError
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import OptOutEvent
from tests.imports.files import write_csv
from tests.imports.importing import run_import
from tests.support.twilio import inbound

NUMBER = "+14155550123"
OTHER = "+14155550177"


@pytest.fixture
def waiting(workspace, member, django_capture_on_commit_callbacks):
    """A queued and a scheduled text to NUMBER, and a queued one to someone else."""
    with django_capture_on_commit_callbacks(execute=False):
        queued = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Queued", actor=member)
        scheduled = messaging_services.send_message(
            workspace=workspace,
            to=NUMBER,
            body="Scheduled",
            actor=member,
            scheduled_for=timezone.now() + timedelta(days=1),
        )
        bystander = messaging_services.send_message(workspace=workspace, to=OTHER, body="Not them", actor=member)
    assert (queued.status, scheduled.status, bystander.status) == ("queued", "scheduled", "queued")
    return queued, scheduled, bystander


def _by_conversation(client, workspace, member, tmp_path, capture) -> str:
    client.force_login(member)
    conversation = Conversation.objects.get(workspace=workspace, phone=NUMBER)
    url = reverse("conversations:opt_out", kwargs={"slug": "acme", "pk": conversation.pk})
    return client.post(url, follow=True).content.decode()


def _by_contact_menu(client, workspace, member, tmp_path, capture) -> str:
    client.force_login(member)
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone=NUMBER)
    url = reverse("contacts:opt_out", kwargs={"slug": "acme", "pk": contact.pk})
    return client.post(url, follow=True).content.decode()


def _by_add_opt_out(client, workspace, member, tmp_path, capture) -> str:
    client.force_login(member)
    url = reverse("optouts:add", kwargs={"slug": "acme"})
    return client.post(url, {"phone": "(415) 555-0123", "reason": "Asked by email"}, follow=True).content.decode()


def _by_reply(client, workspace, member, tmp_path, capture) -> str:
    assert inbound(client, body="STOP", from_=NUMBER).status_code == 200
    return ""


def _by_link(client, workspace, member, tmp_path, capture) -> str:
    code = links.code_for(workspace=workspace, phone=NUMBER)
    assert client.post(f"/o/{code}").status_code == 200
    return ""


def _by_import(client, workspace, member, tmp_path, capture) -> str:
    path = write_csv(tmp_path / "optouts.csv", [["phone"], ["(415) 555-0123"], ["+14155550188"]])
    job = run_import(workspace, path, capture, actor=member)
    assert job.status == "succeeded" and job.added == 2
    assert job.cancelled_texts == 2
    client.force_login(member)
    return client.get(reverse("optouts:import_job", kwargs={"slug": "acme", "pk": job.pk})).content.decode()


def _by_api(client, workspace, member, tmp_path, capture) -> str:
    _, secret = api_services.create_token(workspace=workspace, name="CRM", actor=member)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.post("/api/v1/opt-outs", {"phone": NUMBER}, format="json").status_code == 201
    return ""


def _by_provider_21610(client, workspace, member, tmp_path, capture) -> str:
    with capture(execute=False):
        refused = messaging_services.send_message(workspace=workspace, to=NUMBER, body="Refused", actor=member)

    def refuse(self, sms):
        raise ProviderError("Attempt to send to unsubscribed recipient", code=21610)

    from messaging.backends import locmem

    original = locmem.SmsBackend.send
    locmem.SmsBackend.send = refuse
    try:
        messaging_services.deliver(refused.pk)
    finally:
        locmem.SmsBackend.send = original
    return ""


WAYS = {
    "conversation": (_by_conversation, True),
    "contact-menu": (_by_contact_menu, True),
    "add-opt-out": (_by_add_opt_out, True),
    "reply": (_by_reply, False),
    "link": (_by_link, False),
    "import": (_by_import, True),
    "api": (_by_api, False),
    "provider-21610": (_by_provider_21610, False),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_every_way_of_opting_out_cancels_the_numbers_queued_and_scheduled_texts(
    client, workspace, member, waiting, tmp_path, django_capture_on_commit_callbacks, way
):
    opt_out, tells_the_member = WAYS[way]
    page = opt_out(client, workspace, member, tmp_path, django_capture_on_commit_callbacks)
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)
    queued, scheduled, bystander = waiting
    for message in waiting:
        message.refresh_from_db()
    assert (queued.status, scheduled.status) == ("cancelled", "cancelled")
    assert bystander.status == "queued"
    if tells_the_member:
        assert "2 queued or scheduled texts were cancelled." in page


def test_the_opt_out_event_says_how_many_texts_it_cancelled(workspace, member, waiting):
    optout = optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
    assert optout.cancelled_texts == 2
    assert OptOutEvent.objects.get().details["cancelled_texts"] == 2


def test_a_second_opt_out_of_the_same_number_cancels_what_was_scheduled_since(workspace, member):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
    # A scheduled text created before the guard saw the opt-out (it races the first one).
    Message.objects.create(
        workspace=workspace,
        direction="outbound",
        from_phone="+14155550100",
        to_phone=NUMBER,
        body="Late",
        status="scheduled",
    )
    again = optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
    assert again.cancelled_texts == 1
    assert Message.objects.get(body="Late").status == "cancelled"


def test_the_confirmation_the_guard_lets_through_is_not_cancelled_by_a_second_stop(
    client, workspace, sms_outbox, django_capture_on_commit_callbacks
):
    from compliance.models import ComplianceSettings

    ComplianceSettings.objects.create(workspace=workspace, confirmation_enabled=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inbound(client, body="STOP", sid="SM1")
        inbound(client, body="STOP", sid="SM2")
    confirmation = Message.objects.get(direction="outbound")
    assert confirmation.status == "queued"
    for callback in callbacks:
        callback()
    assert [sms.body for sms in sms_outbox] == [confirmation.body]


def test_an_import_cancels_waiting_texts_in_one_update_whatever_the_batch_size(workspace, member):
    numbers = [f"+1415555{i:04d}" for i in range(300)]
    messaging_services.send_bulk(
        workspace=workspace, recipients=numbers, body="Later", scheduled_for=timezone.now() + timedelta(days=1)
    )
    with CaptureQueriesContext(connection) as captured:
        optout_services.import_batch(workspace=workspace, phones=numbers, actor=member)
    updates = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE") and "messaging_message" in q["sql"]
    ]
    assert len(updates) == 1
    assert Message.objects.filter(status="cancelled").count() == 300
