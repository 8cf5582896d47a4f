"""Add Opt-Out (form and API) and Opt in: what is stored and what the history says (SPEC §6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from optouts import services
from optouts.models import Method, OptOutEvent


def test_add_opt_out_stores_a_manual_entry_with_its_reason_author_and_details(workspace, member):
    optout = services.add_opt_out(
        workspace=workspace, phone="(415) 555-0123", reason="Asked by email", actor=member, event_details={"t": 1}
    )

    assert (optout.phone, optout.method, optout.reason, optout.created_by) == (
        "+14155550123",
        "manual",
        "Asked by email",
        member,
    )
    event = OptOutEvent.objects.get()
    assert (event.action, event.method, event.actor) == ("opted_out", "manual", member)
    assert event.details == {"reason": "Asked by email", "t": 1}


def test_add_opt_out_without_a_reason_stores_an_empty_reason(workspace):
    assert services.add_opt_out(workspace=workspace, phone="+14155550123").reason == ""


def test_add_opt_out_refuses_a_listed_number_with_the_already_opted_out_code(workspace, member):
    services.add_opt_out(workspace=workspace, phone="+14155550123", actor=member)
    with pytest.raises(ValidationError) as caught:
        services.add_opt_out(workspace=workspace, phone="4155550123", actor=member)
    (error,) = caught.value.error_dict["phone"]
    assert (error.message, error.code) == ("+1 415-555-0123 is already opted out.", "already_opted_out")


def test_opt_in_reads_a_national_number_in_the_workspace_region(workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)

    assert services.opt_in(workspace=workspace, phone="(415) 555-0123", actor=member) is True

    assert not services.is_opted_out(workspace=workspace, phone="+14155550123")


def test_opt_in_records_who_asked_and_whether_the_number_was_listed(workspace, member, teammate):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)

    services.opt_in(workspace=workspace, phone="+14155550123", actor=teammate, reason="Called us")
    services.opt_in(workspace=workspace, phone="+14155550123", actor=teammate)

    events = OptOutEvent.objects.filter(action="opted_in").order_by("id")
    assert [(e.phone, e.method, e.actor, e.details) for e in events] == [
        ("+14155550123", "manual", teammate, {"was_opted_out": True, "reason": "Called us"}),
        ("+14155550123", "manual", teammate, {"was_opted_out": False}),
    ]


def test_opt_in_with_an_unknown_method_is_refused_naming_it(workspace):
    with pytest.raises(ValidationError, match="“carrier” is not an opt-out method."):
        services.opt_in(workspace=workspace, phone="+14155550123", method="carrier")
    assert not OptOutEvent.objects.exists()


def test_opting_one_number_in_keeps_the_workspaces_other_opt_outs(workspace, member):
    for number in ("+14155550123", "+14155550124", "+447911123456"):
        services.opt_out(workspace=workspace, phone=number, method=Method.MANUAL, actor=member)

    services.opt_in(workspace=workspace, phone="+14155550124", actor=member)

    assert services.opted_out_among(workspace=workspace, phones=["+14155550123", "+14155550124", "+447911123456"]) == {
        "+14155550123",
        "+447911123456",
    }
