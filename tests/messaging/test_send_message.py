"""``send_message`` stores what the member asked for: the number it is sent from, its conversation, schedule, author."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from compliance.models import ConfirmationReply
from conversations.models import Conversation
from messaging import services
from messaging.models import Message, SenderNumber
from optouts import services as optout_services
from optouts.models import OptOutEvent

NUMBER = "+14155550123"


def test_a_text_is_stored_from_the_chosen_number_in_its_conversation_with_its_schedule_and_author(workspace, member):
    second = SenderNumber.objects.create(workspace=workspace, phone="+14155550199", label="Second line")
    before = timezone.now()
    later = before + timedelta(days=1)

    message = services.send_message(
        workspace=workspace, to="(415) 555-0123", body="Sale", sender=second, actor=member, scheduled_for=later
    )

    stored = Message.objects.get(pk=message.pk)
    conversation = Conversation.objects.get(workspace=workspace, phone=NUMBER)
    assert (stored.from_phone, stored.conversation, stored.scheduled_for, stored.created_by) == (
        second.phone,
        conversation,
        later,
        member,
    )
    assert (stored.status, stored.failure_reason) == ("scheduled", "")
    assert conversation.sender == second
    # The conversation's clock is read just before the text is inserted (one upsert, issue 15).
    assert before <= conversation.last_message_at <= stored.created_at


def test_the_opt_out_confirmation_passes_the_guard_with_no_failure_reason(
    workspace, member, django_capture_on_commit_callbacks
):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
    exemption = ConfirmationReply.objects.create(
        workspace=workspace,
        phone=NUMBER,
        optout_event=OptOutEvent.objects.get(phone=NUMBER),
        expires_at=timezone.now() + timedelta(minutes=5),
    )

    with django_capture_on_commit_callbacks(execute=False):
        confirmation = services.send_message(
            workspace=workspace, to=NUMBER, body="You're opted out", guard_exemption=exemption.pk
        )
        refused = services.send_message(workspace=workspace, to=NUMBER, body="Sale")

    assert Message.objects.values_list("status", "failure_reason").get(pk=confirmation.pk) == ("queued", "")
    assert Message.objects.values_list("status", "failure_reason").get(pk=refused.pk) == ("failed", "opted_out")
