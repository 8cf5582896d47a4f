from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from compliance.segments import segments_for_body
from contacts.models import Contact
from conversations.models import Conversation
from optouts.models import OptOut
from tests.support.twilio import WEBHOOK_PATH, sign

pytestmark = pytest.mark.browser

NUMBER = "+14155550123"


def test_a_recipient_opts_out_through_the_link_and_the_member_sees_it(
    page, browser, logged_in, app_url, member, workspace, sms_outbox, screenshot
):
    Contact.objects.create(workspace=workspace, name="Dana Reyes", phone=NUMBER)
    conversation = Conversation.objects.create(workspace=workspace, phone=NUMBER)
    logged_in(member).goto(f"{app_url}/w/acme/conversations/{conversation.pk}/")

    message = page.get_by_role("textbox", name="Message")
    message.fill("Fresh bread at 8!")
    expect(page.locator("[data-segment-count]")).to_have_text("17 characters · 1 SMS segment (GSM-7)")
    page.get_by_role("button", name="Insert opt-out link").click()
    expect(message).to_have_value("Fresh bread at 8! {opt_out_link}")
    link_length = len(app_url + "/o/") + 8
    expect(page.locator("[data-segment-count]")).to_have_text(f"{18 + link_length} characters · 1 SMS segment (GSM-7)")
    screenshot("compliance-composer-with-link")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Text queued")).to_be_visible()

    (sms,) = sms_outbox
    link = re.search(r"http://\S+/o/[A-Za-z0-9_-]{8}", sms.body).group(0)

    recipient = browser.new_context(viewport={"width": 375, "height": 740}).new_page()  # a phone, no session
    recipient.goto(link)
    expect(recipient.get_by_role("heading", name="Acme Bakery")).to_be_visible()
    expect(recipient.locator("[data-masked]")).to_have_text("+1 ••• ••• 0123")
    assert not OptOut.objects.exists()  # opening the link changed nothing
    recipient.screenshot(path="build/screenshots/compliance-link-page.png", full_page=True)
    recipient.get_by_role("button", name="Stop texts").click()
    expect(recipient.get_by_role("status")).to_contain_text("will no longer text")
    expect(recipient.get_by_text("Reply SUBSCRIBE")).to_be_visible()
    recipient.screenshot(path="build/screenshots/compliance-link-done.png", full_page=True)

    page.get_by_role("complementary", name="Main navigation").get_by_role("link", name="Opt-Outs").click()
    row = page.locator(f"tr[data-phone='{NUMBER}']")
    expect(row).to_contain_text("Dana Reyes")
    expect(row).to_contain_text("Link")
    expect(row).to_contain_text("Opted out via link")
    screenshot("compliance-optouts-with-link")


def test_the_live_count_on_bulk_send_agrees_with_the_servers_count(page, logged_in, app_url, member, workspace):
    Contact.objects.create(workspace=workspace, name="Dana Reyes", phone=NUMBER)
    logged_in(member).goto(f"{app_url}/w/acme/messages/bulk/")
    message = page.get_by_role("textbox", name="Message")
    count = page.locator("[data-segment-count]")
    for text in ("Price: 5€", "x" * 152 + "€" + "x" * 10, "Café 😀 {opt_out_link}", "ê" * 134, "ê" * 135, "Привет"):
        message.fill(text)
        expect(count).to_have_text(str(segments_for_body(text)))
    message.fill("Bread at 8!")
    page.get_by_role("button", name="Insert opt-out link").click()
    expect(message).to_have_value("Bread at 8! {opt_out_link}")
    expect(count).to_have_text(str(segments_for_body("Bread at 8! {opt_out_link}")))


def test_a_member_enables_the_us_pack_and_a_later_quit_reply_opts_out(
    page, logged_in, app_url, member, workspace, screenshot
):
    logged_in(member).goto(f"{app_url}/w/acme/settings/")
    page.get_by_role("link", name=re.compile("Compliance")).click()
    expect(page.get_by_role("heading", name="Compliance", exact=True)).to_be_visible()
    page.get_by_label("US carrier and FCC words").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Compliance settings saved.")).to_be_visible()
    expect(page.get_by_label("US carrier and FCC words")).to_be_checked()
    screenshot("compliance-settings")

    params = {"From": NUMBER, "To": "+14155550100", "Body": "QUIT", "MessageSid": "SMquit1", "NumMedia": "0"}
    response = page.request.post(app_url + WEBHOOK_PATH, form=params, headers={"X-Twilio-Signature": sign(params)})
    assert response.status == 200

    page.goto(f"{app_url}/w/acme/opt-outs/")
    row = page.locator(f"tr[data-phone='{NUMBER}']")
    expect(row).to_contain_text("Reply")
    expect(row).to_contain_text("QUIT")


def test_a_conflicting_keyword_is_refused_on_the_page(page, logged_in, app_url, member, workspace):
    logged_in(member).goto(f"{app_url}/w/acme/settings/compliance/")
    page.get_by_label("US carrier and FCC words").check()
    page.get_by_label("Your opt-out keywords").fill("yes")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("YES is an opt-in word")


def test_a_member_reviews_a_likely_opt_out_and_opts_the_number_out(
    page, logged_in, app_url, member, workspace, screenshot
):
    params = {"From": NUMBER, "To": "+14155550100", "Body": "wrong number, stop", "MessageSid": "SMw1"}
    page.request.post(app_url + WEBHOOK_PATH, form=params, headers={"X-Twilio-Signature": sign(params)})
    assert not OptOut.objects.exists()

    page.set_viewport_size({"width": 375, "height": 740})
    logged_in(member).goto(f"{app_url}/w/acme/opt-outs/")
    page.get_by_role("link", name=re.compile("Review")).click()
    expect(page.get_by_role("cell", name="“wrong number, stop”")).to_be_visible()
    screenshot("compliance-review-375")
    page.get_by_role("button", name="Opt out +1 415-555-0123").click()
    expect(page.get_by_role("status").filter(has_text="is opted out")).to_be_visible()
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    optout = OptOut.objects.get()
    assert (optout.method, optout.reason, optout.created_by) == ("manual", "wrong number, stop", member)
