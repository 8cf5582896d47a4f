"""A Reply opt-out points to the outbound text it answered: ``OptOut.caused_by`` (SPEC §13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import BulkSend, Message
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent
from tests.support.twilio import inbound

DANA = "+14155550123"


@pytest.fixture
def texted(workspace):
    """``texted(body, days_ago, status)``: an outbound text to Dana from the workspace."""

    def make(body: str, *, days_ago: float = 0, status: str = "sent", to: str = DANA, ws=None, **extra) -> Message:
        when = timezone.now() - timedelta(days=days_ago)
        message = Message.objects.create(
            workspace=ws or workspace,
            direction="outbound",
            from_phone="+14155550100",
            to_phone=to,
            body=body,
            status=status,
            sent_at=when if status in {"sent", "delivered"} else None,
            **extra,
        )
        Message.objects.filter(pk=message.pk).update(created_at=when)
        return message

    return make


def test_a_stop_points_to_the_latest_text_it_answered(client, workspace, texted):
    texted("Last week's offer", days_ago=3)
    latest = texted("Today's offer", days_ago=0.1)
    assert inbound(client, body="STOP").status_code == 200
    optout = OptOut.objects.get(phone=DANA)
    assert optout.method == Method.REPLY and optout.caused_by == latest
    event = OptOutEvent.objects.get(phone=DANA)
    assert event.details["caused_by"]["message_id"] == latest.pk
    assert event.details["caused_by"]["body"] == "Today's offer"
    assert event.details["caused_by"]["bulk_send_id"] is None


def test_only_texts_of_the_previous_seven_days_count(client, workspace, texted):
    texted("Old news", days_ago=7.5)
    inbound(client, body="STOP")
    assert OptOut.objects.get(phone=DANA).caused_by is None
    assert OptOutEvent.objects.get(phone=DANA).details["caused_by"] is None


def test_texts_that_never_reached_them_do_not_count(client, workspace, texted):
    reached = texted("Delivered one", days_ago=1, status="delivered")
    texted("Blocked one", status="failed", failure_reason="opted_out")
    texted("Cancelled one", status="cancelled")
    texted("Waiting one", status="scheduled")
    inbound(client, body="STOP")
    assert OptOut.objects.get(phone=DANA).caused_by == reached


def test_a_text_with_no_answer_from_the_provider_may_have_reached_them(client, workspace, texted):
    unconfirmed = texted("Maybe sent", status="failed", failure_reason="unconfirmed")
    inbound(client, body="STOP")
    assert OptOut.objects.get(phone=DANA).caused_by == unconfirmed


def test_texts_to_other_numbers_or_from_other_workspaces_do_not_count(client, workspace, other_workspace, texted):
    texted("To someone else", to="+14155550124")
    texted("Another workspace's text", ws=other_workspace)
    inbound(client, body="STOP")
    assert OptOut.objects.get(phone=DANA).caused_by is None


def test_a_repeat_stop_records_its_text_on_the_event_and_keeps_the_first(client, workspace, texted):
    first = texted("First offer", days_ago=2)
    inbound(client, body="STOP", sid="SM1")
    second = texted("Sent anyway", days_ago=0)
    inbound(client, body="STOP", sid="SM2")
    assert OptOut.objects.get(phone=DANA).caused_by == first
    repeat = OptOutEvent.objects.filter(phone=DANA).order_by("-id").first()
    assert repeat.details["already_opted_out"] and repeat.details["caused_by"]["message_id"] == second.pk


def test_a_bulk_text_carries_its_bulk_send_to_the_event(client, workspace, texted):
    campaign = BulkSend.objects.create(workspace=workspace, body="Big sale", audience="all")
    texted("Big sale", bulk_send=campaign)
    inbound(client, body="STOP")
    assert OptOutEvent.objects.get(phone=DANA).details["caused_by"]["bulk_send_id"] == campaign.pk


def test_the_provider_reported_stop_is_attributed_too(workspace, texted):
    answered = texted("Monday promo", days_ago=1)
    texted("Refused with 21610", status="failed", failure_reason="opted_out")
    optout = services.record_provider_opt_out(workspace=workspace, phone=DANA, error_code=21610)
    assert optout.caused_by == answered


def test_opt_outs_made_by_a_member_have_no_cause(workspace, member, texted):
    texted("Hello")
    optout = services.opt_out(workspace=workspace, phone=DANA, method=Method.MANUAL, actor=member)
    assert optout.caused_by is None
    assert "caused_by" not in OptOutEvent.objects.get(phone=DANA).details


def test_the_history_shows_the_text_a_stop_answered(client, member_client, workspace, texted):
    campaign = BulkSend.objects.create(workspace=workspace, body="Big sale", audience="all")
    texted("Big sale on Saturday", bulk_send=campaign)
    inbound(client, body="STOP")
    page = member_client.get(reverse("optouts:history", kwargs={"slug": "acme", "phone": DANA})).content.decode()
    cell = page[page.index("data-caused-by") :][:600]
    assert "In answer to the text of" in cell and "“Big sale on Saturday”" in cell
    assert reverse("messaging:bulk_send_detail", kwargs={"slug": "acme", "pk": campaign.pk}) in cell


def test_the_history_says_when_no_text_preceded_a_stop(client, member_client, workspace):
    inbound(client, body="STOP")
    page = member_client.get(reverse("optouts:history", kwargs={"slug": "acme", "phone": DANA})).content.decode()
    assert "No text to this number in the 7 days before." in page
