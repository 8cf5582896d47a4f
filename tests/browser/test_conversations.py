"""A conversation in Chromium: Opt out from its Actions menu cancels what is waiting (issue 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact
from conversations.models import Conversation
from messaging import services as messaging_services
from messaging.models import Message
from optouts.models import OptOut
from tests.support.browser import wait_until_settled_on_a_phone

pytestmark = pytest.mark.browser

NUMBER = "+14155550123"


@pytest.fixture
def waiting_thread(workspace, member, monkeypatch):
    """A thread with a reply, a delivered text, two texts still queued and one scheduled for tomorrow."""
    Contact.objects.create(workspace=workspace, name="Dana Scully", phone=NUMBER)
    messaging_services.receive_message(
        to="+14155550100", from_=NUMBER, body="What time do you open?", provider_sid="SM1"
    )
    sent = messaging_services.send_message(workspace=workspace, to=NUMBER, body="We open at 8.", actor=member)
    Message.objects.filter(pk=sent.pk).update(status="delivered")
    # The live server's tests commit for real and would deliver at once: hold the
    # delivery tasks back, as a busy worker would, so these stay queued.
    with monkeypatch.context() as held:
        held.setattr(messaging_services, "_enqueue", lambda ids: None)
        queued = [
            messaging_services.send_message(workspace=workspace, to=NUMBER, body=text, actor=member)
            for text in ("Fresh croissants today!", "Two for one until noon.")
        ]
    scheduled = messaging_services.send_message(
        workspace=workspace,
        to=NUMBER,
        body="Weekend offer: 20% off.",
        actor=member,
        scheduled_for=timezone.now() + timedelta(days=1),
    )
    return Conversation.objects.get(workspace=workspace, phone=NUMBER), [*queued, scheduled]


def test_member_opts_out_from_a_conversation(logged_in, app_url, member, waiting_thread, page, screenshot):
    conversation, waiting = waiting_thread
    logged_in(member).goto(f"{app_url}/w/acme/conversations/{conversation.pk}/")
    bubbles = page.locator(".bubble-row.out")
    expect(bubbles.filter(has_text="Fresh croissants today!")).to_contain_text("Queued")
    expect(bubbles.filter(has_text="Weekend offer")).to_contain_text("Scheduled")

    page.get_by_label("Conversation actions").click()
    page.get_by_role("menuitem", name="Opt out").click()

    expect(page.get_by_role("status").filter(has_text="+1 415-555-0123 is opted out")).to_contain_text(
        "3 queued or scheduled texts were cancelled."
    )
    footer = page.locator("[data-composer]")
    expect(footer).to_contain_text("This number has opted out")
    expect(footer).to_contain_text("Sending is blocked")
    expect(footer.get_by_role("textbox")).to_be_disabled()
    expect(footer.get_by_role("button", name="Send")).to_be_disabled()
    for text in ("Fresh croissants today!", "Two for one until noon.", "Weekend offer"):
        expect(bubbles.filter(has_text=text)).to_contain_text("Cancelled")
    expect(bubbles.filter(has_text="We open at 8.")).to_contain_text("Delivered")
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in waiting])} == {"cancelled"}
    assert OptOut.objects.get().method == "manual"

    page.get_by_label("Conversation actions").click()
    expect(page.get_by_role("menuitem", name="Opt in")).to_be_visible()
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("conversation-after-opt-out")
    page.set_viewport_size({"width": 375, "height": 800})
    wait_until_settled_on_a_phone(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("conversation-after-opt-out-375")


def test_member_opts_the_number_back_in_and_can_send_again(
    logged_in, app_url, member, waiting_thread, page, sms_outbox
):
    conversation, _ = waiting_thread
    logged_in(member).goto(f"{app_url}/w/acme/conversations/{conversation.pk}/")
    page.get_by_label("Conversation actions").click()
    page.get_by_role("menuitem", name="Opt out").click()
    page.get_by_label("Conversation actions").click()
    page.get_by_role("menuitem", name="Opt in").click()
    page.get_by_role("button", name="Opt in +1 415-555-0123").click()
    expect(page.get_by_role("status").filter(has_text="is opted in and can be texted again")).to_be_visible()
    page.get_by_role("textbox", name="Message").fill("Welcome back!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Text queued")).to_be_visible()
    expect(page.locator(".bubble-row.out").filter(has_text="Welcome back!")).to_contain_text("Sent")
    # The fixture's first text went out when it was made; the cancelled ones never do.
    assert [sms.body for sms in sms_outbox] == ["We open at 8.", "Welcome back!"]
