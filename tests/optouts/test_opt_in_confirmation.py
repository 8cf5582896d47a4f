"""*Opt in* asks first (SPEC §6): GET shows how the number opted out, POST opts in with an optional reason."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from compliance import links
from contacts.models import Contact
from conversations.models import Conversation
from optouts import services as optout_services
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import inbound

NUMBER = "+14155550123"


@pytest.fixture
def dana(workspace):
    return Contact.objects.create(workspace=workspace, name="Dana Scully", phone=NUMBER)


def _contact_url(dana) -> str:
    return reverse("contacts:opt_in", kwargs={"slug": "acme", "pk": dana.pk})


def _conversation_url(workspace) -> str:
    conversation = Conversation.objects.get(workspace=workspace, phone=NUMBER)
    return reverse("conversations:opt_in", kwargs={"slug": "acme", "pk": conversation.pk})


def _today() -> str:
    return date_format(timezone.localtime(), "j M Y")


def test_opt_in_from_a_contact_after_a_stop_reply_says_they_texted_stop_and_changes_nothing(
    client, member_client, workspace, dana
):
    inbound(client, body="STOP")
    page = member_client.get(_contact_url(dana)).content.decode()
    assert f"They texted STOP on {_today()}." in page
    assert "Only do this if they asked to hear from you again." in page
    assert OptOut.objects.filter(phone=NUMBER).exists()


def test_opt_in_from_a_conversation_after_a_link_opt_out_says_so(client, member_client, workspace):
    inbound(client, body="Hello")
    client.post(f"/o/{links.code_for(workspace=workspace, phone=NUMBER)}")
    page = member_client.get(_conversation_url(workspace)).content.decode()
    assert f"They opted out through the link in a text on {_today()}." in page
    assert OptOut.objects.filter(phone=NUMBER).exists()


def test_a_provider_reported_opt_out_is_explained_too(member_client, workspace, dana):
    optout_services.record_provider_opt_out(workspace=workspace, phone=NUMBER)
    page = member_client.get(_contact_url(dana)).content.decode()
    assert "Their carrier reported on" in page and "they replied STOP" in page


def test_confirming_opts_in_and_records_who_and_why(member_client, workspace, member, dana):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
    response = member_client.post(_contact_url(dana), {"reason": "Asked at the counter"}, follow=True)
    assert "is opted in and can be texted again" in response.content.decode()
    assert not OptOut.objects.exists()
    event = OptOutEvent.objects.get(action="opted_in")
    assert (event.actor, event.details["reason"]) == (member, "Asked at the counter")


def test_confirming_from_the_conversation_records_the_reason(client, member_client, workspace, member):
    inbound(client, body="STOP")
    member_client.post(_conversation_url(workspace), {"reason": "Called us"})
    assert not OptOut.objects.exists()
    event = OptOutEvent.objects.get(action="opted_in")
    assert (event.actor, event.details["reason"]) == (member, "Called us")


def test_outsiders_get_404_on_the_confirmation(client, outsider_client, workspace, dana):
    inbound(client, body="STOP")
    assert outsider_client.get(_contact_url(dana)).status_code == 404
    assert outsider_client.get(_conversation_url(workspace)).status_code == 404
    assert outsider_client.post(_contact_url(dana)).status_code == 404
    assert OptOut.objects.exists()
