"""The one exemption from the pre-send guard, step by step: reserved once by its own message, spent once, never late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance import guard
from compliance.models import ConfirmationReply
from messaging.models import Message
from optouts.models import OptOutEvent

NUMBER = "+14155550123"


def _outbound(workspace, to=NUMBER) -> Message:
    return Message.objects.create(
        workspace=workspace,
        direction="outbound",
        from_phone="+14155550100",
        to_phone=to,
        body="You're opted out",
        status="failed",
    )


@pytest.fixture
def exemption(workspace):
    event = OptOutEvent.objects.create(workspace=workspace, phone=NUMBER, action="opted_out", method="reply")
    return ConfirmationReply.objects.create(
        workspace=workspace, phone=NUMBER, optout_event=event, expires_at=timezone.now() + timedelta(minutes=5)
    )


def test_a_pending_exemption_is_reserved_by_a_message_to_its_number(exemption, workspace):
    message = _outbound(workspace)

    assert guard.reserve(exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=message.pk)

    exemption.refresh_from_db()
    assert (exemption.status, exemption.message_id) == ("reserved", message.pk)


def test_an_exemption_is_reserved_only_once(exemption, workspace):
    first, second = _outbound(workspace), _outbound(workspace)
    assert guard.reserve(exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=first.pk)

    assert not guard.reserve(exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=second.pk)

    exemption.refresh_from_db()
    assert exemption.message_id == first.pk


@pytest.mark.parametrize("status", ["used", "failed"])
def test_a_spent_or_failed_exemption_cannot_be_reserved_again(exemption, workspace, status):
    ConfirmationReply.objects.filter(pk=exemption.pk).update(status=status)

    assert not guard.reserve(
        exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=_outbound(workspace).pk
    )


def test_an_exemption_already_tied_to_a_message_cannot_be_reserved(exemption, workspace):
    ConfirmationReply.objects.filter(pk=exemption.pk).update(message=_outbound(workspace))

    assert not guard.reserve(
        exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=_outbound(workspace).pk
    )


def test_an_expired_exemption_cannot_be_reserved(exemption, workspace):
    ConfirmationReply.objects.filter(pk=exemption.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert not guard.reserve(
        exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=_outbound(workspace).pk
    )


def test_an_exemption_is_not_good_for_another_number_workspace_or_id(exemption, workspace, other_workspace):
    message = _outbound(workspace)

    assert not guard.reserve(
        exemption_id=exemption.pk, workspace=workspace, phone="+14155550124", message_id=message.pk
    )
    assert not guard.reserve(exemption_id=exemption.pk, workspace=other_workspace, phone=NUMBER, message_id=message.pk)
    assert not guard.reserve(exemption_id=exemption.pk + 1, workspace=workspace, phone=NUMBER, message_id=message.pk)
    assert ConfirmationReply.objects.get(pk=exemption.pk).status == "pending"


def test_consuming_a_reserved_exemption_marks_it_used_with_the_time(exemption, workspace):
    message = _outbound(workspace)
    guard.reserve(exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=message.pk)
    before = timezone.now()

    assert guard.consume(message_id=message.pk)

    exemption.refresh_from_db()
    assert exemption.status == "used"
    assert before <= exemption.used_at <= timezone.now()
    assert not guard.consume(message_id=message.pk)


def test_an_exemption_whose_window_closed_after_reserving_is_not_consumed(exemption, workspace):
    message = _outbound(workspace)
    guard.reserve(exemption_id=exemption.pk, workspace=workspace, phone=NUMBER, message_id=message.pk)
    ConfirmationReply.objects.filter(pk=exemption.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert not guard.consume(message_id=message.pk)
    assert ConfirmationReply.objects.get(pk=exemption.pk).status == "reserved"
