"""The bulk send's own check, before any worker runs (SPEC §5: the guard runs when the message is created)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from messaging import services
from messaging.models import Message
from optouts import services as optout_services

RECIPIENTS = ["+14155550101", "+14155550102", "+14155550103", "+14155550104"]


@pytest.mark.parametrize("blocked_at", [0, 1, 3])
def test_bulk_send_fails_an_opted_out_recipient_at_once_wherever_it_is_in_the_list(workspace, member, blocked_at):
    optout_services.opt_out(workspace=workspace, phone=RECIPIENTS[blocked_at], method="manual", actor=member)

    # No on_commit callbacks run here: what is stored is the bulk check's verdict alone.
    returned = services.send_bulk(workspace=workspace, recipients=RECIPIENTS, body="Sale today", actor=member)

    stored = dict(Message.objects.values_list("to_phone", "status"))
    expected = {phone: "queued" for phone in RECIPIENTS} | {RECIPIENTS[blocked_at]: "failed"}
    assert stored == expected
    assert {m.to_phone: (m.status, m.failure_reason) for m in returned}[RECIPIENTS[blocked_at]] == (
        "failed",
        "opted_out",
    )


def test_bulk_send_to_a_single_opted_out_recipient_fails_it(workspace, member):
    optout_services.opt_out(workspace=workspace, phone="(415) 555-0101", method="manual", actor=member)

    services.send_bulk(workspace=workspace, recipients=["415-555-0101"], body="Hi", actor=member)

    message = Message.objects.get()
    assert (message.to_phone, message.status, message.failure_reason) == ("+14155550101", "failed", "opted_out")


def test_bulk_send_stores_who_sent_it_from_which_number_and_when_it_goes_out(workspace, member):
    later = timezone.now() + timedelta(hours=2)

    services.send_bulk(
        workspace=workspace, recipients=RECIPIENTS[:2], body="Sale at noon", actor=member, scheduled_for=later
    )

    for message in Message.objects.select_related("conversation"):
        assert (message.status, message.created_by, message.scheduled_for) == ("scheduled", member, later)
        assert (message.from_phone, message.body) == ("+14155550100", "Sale at noon")
        assert (message.conversation.phone, message.conversation.sender.phone) == (message.to_phone, "+14155550100")


def test_bulk_send_to_a_contact_without_a_number_records_it_as_invalid_with_no_number(workspace, member):
    nobody = Contact.objects.create(workspace=workspace, name="Walter Skinner", phone="")

    services.send_bulk(workspace=workspace, recipients=[nobody, "not a number"], body="Hi", actor=member)

    stored = sorted(Message.objects.values_list("to_phone", "status", "failure_reason", "created_by"))
    assert stored == [
        ("", "failed", "invalid_number", member.pk),
        ("not a number", "failed", "invalid_number", member.pk),
    ]
