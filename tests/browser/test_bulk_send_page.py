"""The BulkSend page in Chromium: a confirmed send runs in the background, then shows its opt-out rate."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from messaging import services as messaging_services
from messaging.models import BulkSend, Message
from optouts import services as optout_services
from optouts.models import Method, OptOut
from tests.support.axe import assert_accessible

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}
PEOPLE = (("Dana", "+14155550123"), ("Fox", "+14155550124"), ("Mulder", "+14155550126"), ("Walter", "+14155550125"))


def test_a_bulk_send_shows_sent_blocked_and_its_opt_out_rate(
    logged_in, app_url, member, workspace, page, sms_outbox, screenshot
):
    for name, phone in PEOPLE:
        Contact.objects.create(workspace=workspace, name=name, phone=phone)
    optout_services.opt_out(workspace=workspace, phone="+14155550125", method=Method.MANUAL, actor=member)
    page.set_viewport_size(DESKTOP)
    logged_in(member).goto(f"{app_url}/w/acme/messages/bulk/")
    page.get_by_label("All contacts with a number").check()
    page.get_by_role("textbox", name="Message").fill("Spring menu is here")
    page.get_by_role("button", name="Review").click()
    expect(page.locator("[data-bulk-summary]")).to_contain_text("1 will be blocked as opted out")
    page.get_by_role("button", name="Send to 3").click()

    bulk_send = BulkSend.objects.get()
    expect(page.get_by_role("heading", name=f"Bulk send #{bulk_send.pk}")).to_be_visible()
    expect(page.locator('[data-count="sent"]')).to_have_text("3")
    expect(page.locator('[data-count="blocked"]')).to_have_text("1")
    assert sorted(sms.to for sms in sms_outbox) == ["+14155550123", "+14155550124", "+14155550126"]

    # Dana replies STOP to it: the page now shows one opt-out after the send, a third of those texted.
    messaging_services.receive_message(to="+14155550100", from_="+14155550123", body="STOP", provider_sid="SMstop1")
    assert OptOut.objects.get(phone="+14155550123").caused_by == Message.objects.get(
        bulk_send=bulk_send, to_phone="+14155550123"
    )
    page.reload()
    expect(page.locator('[data-count="opted-out-after"]')).to_have_text("1")
    expect(page.locator('[data-count="opt-out-rate"]')).to_have_text("33.33%")
    expect(page.locator("[data-rate-explained]")).to_contain_text("1 of them replied STOP to this send's text itself")
    assert_accessible(page, "the BulkSend page")
    screenshot("bulk-send-opt-out-rate-1366")

    page.set_viewport_size(PHONE)
    expect(page.locator('[data-count="opt-out-rate"]')).to_be_visible()
    assert_accessible(page, "the BulkSend page at phone width")
    screenshot("bulk-send-opt-out-rate-375")

    # Its History tells which text the STOP answered, linked back to the send.
    page.goto(f"{app_url}/w/acme/opt-outs/history/+14155550123/")
    expect(page.locator("[data-caused-by]")).to_contain_text("“Spring menu is here”")
    page.locator("[data-caused-by]").get_by_role("link", name=f"bulk send #{bulk_send.pk}").click()
    expect(page.locator('[data-count="opt-out-rate"]')).to_have_text("33.33%")


def test_the_page_follows_a_running_send_until_it_is_done(logged_in, app_url, member, workspace, page, screenshot):
    bulk_send = BulkSend.objects.create(
        workspace=workspace, body="Big sale", audience="all", status="running", total=100_000, processed=25_000
    )
    page.set_viewport_size(DESKTOP)
    logged_in(member).goto(f"{app_url}/w/acme/messages/bulk-sends/{bulk_send.pk}/")
    expect(page.locator("[data-progress]")).to_contain_text("Creating texts: 25,000 of 100,000 recipients (25%)")
    expect(page.get_by_role("progressbar", name="Bulk send progress")).to_have_attribute("aria-valuenow", "25")
    assert_accessible(page, "a running bulk send")
    screenshot("bulk-send-progress-1366")
    page.set_viewport_size(PHONE)
    screenshot("bulk-send-progress-375")

    BulkSend.objects.filter(pk=bulk_send.pk).update(processed=75_000)
    expect(page.locator("[data-progress]")).to_contain_text("75,000 of 100,000 recipients (75%)")
    BulkSend.objects.filter(pk=bulk_send.pk).update(status="succeeded", processed=100_000)
    expect(page.locator('[data-count="recipients"]')).to_be_visible()
    expect(page.locator("[data-poll]")).to_have_count(0)  # done: the page stops asking
    page.get_by_role("link", name="All bulk sends").click()
    expect(page.locator(f'[data-bulk-send="{bulk_send.pk}"]')).to_contain_text("Texts created")
    assert_accessible(page, "the bulk sends list")
