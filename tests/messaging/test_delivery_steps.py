"""What the provider is handed, and what the message says while the call is in flight (SPEC §5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Conversation
from messaging import services, tasks
from messaging.backends import BaseSmsBackend, OutgoingSms
from messaging.models import Message

NUMBER = "+14155550123"


class InspectingBackend(BaseSmsBackend):
    """Looks at the stored message from inside the provider call, and may call the task again."""

    seen: list[tuple[OutgoingSms, str]] = []
    redeliver = False

    def send(self, sms: OutgoingSms) -> str:
        InspectingBackend.seen.append((sms, Message.objects.get(pk=sms.message_id).status))
        if InspectingBackend.redeliver:
            InspectingBackend.redeliver = False
            tasks.deliver_message(sms.message_id)  # a duplicate task arriving mid-call
            # The in-flight text was just claimed: the periodic recovery must not call it interrupted.
            services.recover_stuck(now=timezone.now())
        return f"SM{sms.message_id:032d}"


@pytest.fixture
def inspecting(settings):
    settings.SMS_BACKEND = f"{__name__}.InspectingBackend"
    InspectingBackend.seen, InspectingBackend.redeliver = [], False
    return InspectingBackend


@pytest.fixture
def queued(workspace, member):
    sender = workspace.sender_numbers.get()
    conversation = Conversation.objects.create(workspace=workspace, phone=NUMBER, sender=sender)
    message = Message.objects.create(
        workspace=workspace,
        conversation=conversation,
        direction="outbound",
        from_phone=sender.phone,
        to_phone=NUMBER,
        body="Your table is ready",
        status="queued",
        created_by=member,
    )
    # Queued a while ago: the claim itself must mark when sending started.
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    return message


def test_the_provider_gets_the_text_with_its_workspace_and_message_id(inspecting, queued, workspace):
    tasks.deliver_message(queued.pk)

    ((sms, _),) = inspecting.seen
    assert sms == OutgoingSms(
        workspace_id=workspace.id,
        from_phone="+14155550100",
        to=NUMBER,
        body="Your table is ready",
        message_id=queued.pk,
    )


def test_a_text_is_sending_while_its_provider_call_is_in_flight_and_never_sent_twice(inspecting, queued):
    inspecting.redeliver = True

    tasks.deliver_message(queued.pk)

    assert [status for _, status in inspecting.seen] == ["sending"]
    queued.refresh_from_db()
    assert (queued.status, queued.failure_reason, queued.provider_sid) == ("sent", "", f"SM{queued.pk:032d}")
