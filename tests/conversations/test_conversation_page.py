"""Conversations (issue 4): list, thread, composer, Actions → Opt out / Opt in, New message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from conversations.models import Conversation
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method, OptOut


def url(name: str, **kwargs) -> str:
    return reverse(f"conversations:{name}", kwargs={"slug": "acme", **kwargs})


def send(workspace, to="+14155550123", body="Hello", **kwargs) -> Message:
    return messaging_services.send_message(workspace=workspace, to=to, body=body, **kwargs)


@pytest.fixture
def conversation(workspace):
    messaging_services.receive_message(to="+14155550100", from_="+14155550123", body="Hi there", provider_sid="SM1")
    return Conversation.objects.get(workspace=workspace, phone="+14155550123")


def test_list_shows_the_last_message_and_an_opted_out_marker(member_client, workspace, member, conversation):
    send(workspace, to="+14155550124", body="Your order is ready")
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    page = member_client.get(url("list")).content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr data-conversation="(\d+)".*?</tr>', page, re.S)}
    blocked = rows[str(conversation.pk)]
    other = rows[str(Conversation.objects.get(phone="+14155550124").pk)]
    assert "Hi there" in blocked and "Opted out" in blocked
    assert "Your order is ready" in other and "Opted out" not in other


def test_thread_shows_bubbles_each_outbound_with_its_status(member_client, workspace, member, conversation):
    delivered = send(workspace, body="Delivered one")
    Message.objects.filter(pk=delivered.pk).update(status="delivered")
    send(workspace, body="Waiting one")
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    send(workspace, body="Blocked one")
    page = member_client.get(url("detail", pk=conversation.pk)).content.decode()
    bubbles = re.findall(r'<div class="bubble-row (in|out)">(.*?)</div>\s*</div>', page, re.S)
    assert [direction for direction, _ in bubbles] == ["in", "out", "out", "out"]
    assert "Hi there" in bubbles[0][1]
    assert "Delivered one" in bubbles[1][1] and "✓ Delivered" in bubbles[1][1]
    # Queued when the number opted out, so the opt-out cancelled it (SPEC §6).
    assert "Waiting one" in bubbles[2][1] and "Cancelled" in bubbles[2][1]
    assert "Blocked one" in bubbles[3][1] and "Failed — opted out" in bubbles[3][1]
    assert "this number is on your opt-out list" in page


def test_composer_sends_through_send_message(
    member_client, workspace, member, conversation, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url("detail", pk=conversation.pk), {"body": "See you at 5"}, follow=True)
    message = Message.objects.get(body="See you at 5")
    assert (message.direction, message.to_phone, message.created_by) == ("outbound", "+14155550123", member)
    assert message.status == "sent"
    assert [sms.body for sms in sms_outbox] == ["See you at 5"]
    assert "Text queued for sending" in response.content.decode()


def test_empty_composer_shows_an_error(member_client, conversation):
    response = member_client.post(url("detail", pk=conversation.pk), {"body": "   "})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Message.objects.filter(direction="outbound").exists()


def test_opt_out_from_the_conversation_cancels_real_queued_and_scheduled_messages(
    member_client, workspace, member, conversation, sms_outbox, django_capture_on_commit_callbacks
):
    # Queued texts whose delivery tasks have not run yet, and scheduled ones.
    with django_capture_on_commit_callbacks(execute=False) as pending_deliveries:
        queued = [send(workspace, body=f"Queued {i}", actor=member) for i in range(2)]
        to_other_number = send(workspace, to="+14155550124", body="Someone else")
    later = timezone.now() + timedelta(hours=2)
    scheduled = send(workspace, body="Tomorrow's offer", scheduled_for=later, actor=member)
    assert [m.status for m in queued] == ["queued", "queued"]
    assert scheduled.status == "scheduled"
    assert len(pending_deliveries) == 3  # one delivery task per queued text, none run yet

    response = member_client.post(url("opt_out", pk=conversation.pk), follow=True)

    page = response.content.decode()
    assert (
        "+1 415-555-0123 is opted out: no texts will be sent to it. 3 queued or scheduled texts were cancelled." in page
    )
    for message in [*queued, scheduled]:
        message.refresh_from_db()
        assert message.status == "cancelled"
    to_other_number.refresh_from_db()
    assert to_other_number.status == "queued"
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550123")
    assert (optout.method, optout.created_by) == ("manual", member)

    # The delivery tasks now run, and the scheduled time comes: nothing reaches the provider.
    for callback in pending_deliveries:
        callback()
    Message.objects.filter(pk=scheduled.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    assert messaging_services.dispatch_due() == 0
    assert [sms.to for sms in sms_outbox] == ["+14155550124"]


def test_after_opt_out_the_footer_says_so_and_the_composer_is_disabled(member_client, workspace, conversation):
    member_client.post(url("opt_out", pk=conversation.pk))
    page = member_client.get(url("detail", pk=conversation.pk)).content.decode()
    footer = page[page.index("data-composer") : page.index("</footer>")]
    assert "This number has opted out" in footer
    assert "Sending is blocked" in footer
    assert re.search(r"<textarea disabled", footer)
    assert re.search(r'<button class="button button-primary" type="button" disabled>Send</button>', footer)
    assert "<form" not in footer
    assert ">Opt in…</a>" in page
    assert ">Opt out</button>" not in page


def test_a_send_posted_after_opt_out_is_blocked_and_explained(member_client, workspace, member, conversation):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    response = member_client.post(url("detail", pk=conversation.pk), {"body": "Still there?"}, follow=True)
    message = Message.objects.get(body="Still there?")
    assert (message.status, message.failure_reason) == ("failed", "opted_out")
    assert "Not sent: this number has opted out" in response.content.decode()


def test_opt_in_from_the_conversation_reenables_the_composer(member_client, workspace, member, conversation):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    response = member_client.post(url("opt_in", pk=conversation.pk), follow=True)
    page = response.content.decode()
    assert "is opted in and can be texted again" in page
    assert not OptOut.objects.exists()
    footer = page[page.index("data-composer") : page.index("</footer>")]
    assert "<form" in footer and "disabled" not in footer


def test_reply_opt_out_footer_quotes_their_words(member_client, workspace, conversation):
    messaging_services.receive_message(to="+14155550100", from_="+14155550123", body="STOP pls", provider_sid="SM2")
    page = member_client.get(url("detail", pk=conversation.pk)).content.decode()
    assert "they replied “STOP pls”" in page


def test_new_message_to_a_number_starts_a_conversation(member_client, workspace, member):
    response = member_client.post(url("new"), {"to": "(415) 555-0188", "body": "Welcome!"})
    message = Message.objects.get(body="Welcome!")
    assert message.to_phone == "+14155550188"
    assert response.url == url("detail", pk=message.conversation_id)


def test_new_message_to_a_contact_fills_in_their_number(member_client, workspace):
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    page = member_client.get(url("new"), {"contact": contact.pk}).content.decode()
    assert 'value="+1 415-555-0123"' in page
    assert '<option value="+1 415-555-0123">Dana</option>' in page


def test_new_message_to_another_workspaces_contact_is_404(member_client, other_workspace):
    foreign = Contact.objects.create(workspace=other_workspace, name="Elsewhere", phone="+447911123456")
    assert member_client.get(url("new"), {"contact": foreign.pk}).status_code == 404


def test_new_message_can_be_scheduled(member_client, workspace):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = member_client.post(
        url("new"), {"to": "+14155550188", "body": "Later", "scheduled_for": when}, follow=True
    )
    message = Message.objects.get(body="Later")
    assert message.status == "scheduled"
    assert "scheduled for" in response.content.decode()


def test_new_message_to_an_opted_out_number_fails_with_a_notification(member_client, workspace, member):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    response = member_client.post(url("new"), {"to": "415-555-0123", "body": "Hi"}, follow=True)
    assert Message.objects.get(body="Hi").failure_reason == "opted_out"
    assert "Not sent: +1 415-555-0123 has opted out" in response.content.decode()


def test_new_message_to_an_invalid_number_shows_a_field_error(member_client, workspace):
    response = member_client.post(url("new"), {"to": "12", "body": "Hi"})
    assert response.context["form"].errors["to"] == ["“12” is not a valid phone number."]
    assert not Message.objects.exists()


def test_long_threads_show_the_newest_messages(member_client, workspace, conversation, monkeypatch):
    monkeypatch.setattr("conversations.selectors.THREAD_LIMIT", 3)
    for i in range(5):
        send(workspace, body=f"Number {i}")
    page = member_client.get(url("detail", pk=conversation.pk)).content.decode()
    assert "Showing the latest 3 messages" in page
    assert "Number 4" in page and "Number 2" in page and "Number 1" not in page


def test_outsider_cannot_opt_out_our_conversation(outsider_client, workspace, conversation):
    assert outsider_client.post(url("opt_out", pk=conversation.pk)).status_code == 404
    assert outsider_client.get(url("detail", pk=conversation.pk)).status_code == 404
    assert not OptOut.objects.exists()


def test_list_query_count_does_not_grow_with_rows_shown(member_client, workspace, member):
    def fill(count: int) -> int:
        Conversation.objects.all().delete()
        OptOut.objects.all().delete()
        for n in range(count):
            phone = f"+1415555{n:04d}"
            if n % 2:
                Contact.objects.create(workspace=workspace, name=f"Person {n}", phone=phone)
            send(workspace, to=phone, body=f"Hello {n}")
            if n % 3 == 1:
                optout_services.opt_out(workspace=workspace, phone=phone, method=Method.MANUAL, actor=member)
        with CaptureQueriesContext(connection) as captured:
            page = member_client.get(url("list")).content.decode()
        assert page.count("<tr data-conversation=") == count
        assert page.count("Opted out") == len(range(1, count, 3))
        return len(captured.captured_queries)

    assert fill(4) == fill(40)
