"""Editing and removing entries (SPEC §7): the refusals a member reads and the history that is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Message
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent


def test_an_entry_cannot_be_edited_through_another_workspace(entry, other_workspace):
    with pytest.raises(ValidationError, match=r"^\['This opt-out belongs to another workspace\.'\]$"):
        services.edit_opt_out(workspace=other_workspace, optout=entry, phone="+14155550124", reason="x")
    entry.refresh_from_db()
    assert (entry.phone, entry.reason) == ("+14155550123", "Asked at the till")


def test_an_entry_cannot_be_removed_through_another_workspace(entry, other_workspace):
    with pytest.raises(ValidationError, match=r"^\['This opt-out belongs to another workspace\.'\]$"):
        services.remove_opt_out(workspace=other_workspace, optout=entry)
    assert OptOut.objects.filter(pk=entry.pk).exists()


def test_a_reply_entry_refusal_says_why(reply_entry, workspace):
    expected = "A Reply opt-out keeps the recipient's own number and words; it can't be edited."
    with pytest.raises(ValidationError, match=f"^{re.escape(str([expected]))}$"):
        services.edit_opt_out(workspace=workspace, optout=reply_entry, phone="+14155550124", reason="x")


def test_editing_to_a_number_another_workspace_lists_is_allowed(entry, workspace, other_workspace, member):
    services.opt_out(workspace=other_workspace, phone="+14155550124", method=Method.MANUAL)

    services.edit_opt_out(workspace=workspace, optout=entry, phone="(415) 555-0124", reason="fixed", actor=member)

    assert OptOut.objects.get(pk=entry.pk).phone == "+14155550124"
    assert OptOut.objects.filter(workspace=other_workspace, phone="+14155550124").exists()


def test_editing_to_a_listed_number_names_that_number_with_its_code(entry, workspace, member):
    other = services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)
    with pytest.raises(ValidationError) as caught:
        services.edit_opt_out(workspace=workspace, optout=other, phone="+14155550123", reason="", actor=member)
    (error,) = caught.value.error_dict["phone"]
    assert (error.message, error.code) == ("+1 415-555-0123 is already opted out.", "already_opted_out")


def test_an_edit_records_who_changed_what_under_both_numbers(entry, workspace, member, teammate):
    services.edit_opt_out(workspace=workspace, optout=entry, phone="+14155550124", reason="Typo fixed", actor=teammate)

    events = OptOutEvent.objects.filter(action="edited").order_by("phone")
    assert [(e.phone, e.method, e.actor) for e in events] == [
        ("+14155550123", "manual", teammate),
        ("+14155550124", "manual", teammate),
    ]
    changes = {
        "old_phone": "+14155550123",
        "new_phone": "+14155550124",
        "old_reason": "Asked at the till",
        "new_reason": "Typo fixed",
    }
    assert [e.details for e in events] == [changes, changes]


def test_editing_only_the_reason_records_one_event(entry, workspace, member):
    services.edit_opt_out(workspace=workspace, optout=entry, phone="+14155550123", reason="Changed", actor=member)

    entry.refresh_from_db()
    assert entry.reason == "Changed"
    event = OptOutEvent.objects.get(action="edited")
    assert (event.phone, event.actor, event.details["old_reason"]) == ("+14155550123", member, "Asked at the till")


def test_a_removal_records_who_removed_it_and_what_was_there(entry, workspace, teammate):
    services.remove_opt_out(workspace=workspace, optout=entry, actor=teammate, event_details={"token": "api-1"})

    assert not OptOut.objects.exists()
    event = OptOutEvent.objects.get(action="removed")
    assert (event.phone, event.method, event.actor) == ("+14155550123", "manual", teammate)
    assert event.details == {
        "reason": "Asked at the till",
        "opted_out_at": entry.created_at.isoformat(),
        "token": "api-1",
    }


def test_editing_to_a_new_number_cancels_the_texts_waiting_to_go_to_it_in_this_workspace_only(
    entry, workspace, other_workspace, member
):
    later = timezone.now() + timedelta(days=1)
    waiting = messaging_services.send_message(workspace=workspace, to="+14155550124", body="Sale", scheduled_for=later)
    elsewhere = messaging_services.send_message(
        workspace=other_workspace, to="+14155550124", body="Sale", scheduled_for=later
    )

    edited = services.edit_opt_out(workspace=workspace, optout=entry, phone="+14155550124", reason="", actor=member)

    assert edited.cancelled_texts == 1
    assert Message.objects.get(pk=waiting.pk).status == "cancelled"
    assert Message.objects.get(pk=elsewhere.pk).status == "scheduled"
