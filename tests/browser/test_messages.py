"""Messages in Chromium: a blocked send reads "Failed — opted out" with its explanation; bulk send (issue 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method

pytestmark = pytest.mark.browser


def test_a_blocked_send_shows_failed_opted_out_with_its_explanation(
    logged_in, app_url, member, workspace, page, sms_outbox, screenshot
):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    logged_in(member).goto(f"{app_url}/w/acme/conversations/")
    page.get_by_role("link", name="New message").click()
    page.get_by_label("To").fill("(415) 555-0123")
    page.get_by_role("textbox", name="Message").fill("Your table is ready")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("status").filter(has_text="Not sent: +1 415-555-0123 has opted out")).to_be_visible()
    bubble = page.locator(".bubble-row.out").filter(has_text="Your table is ready")
    expect(bubble).to_contain_text("Failed — opted out")
    expect(bubble).to_contain_text("Opted out: this number is on your opt-out list")

    page.get_by_role("complementary", name="Main navigation").get_by_role("link", name="Messages").click()
    row = page.locator("table.messages tbody tr").filter(has_text="Your table is ready")
    expect(row).to_contain_text("Failed — opted out")
    expect(row).to_contain_text("Opted out: this number is on your opt-out list, so emu.chat blocked the text.")
    page.get_by_text("What do the statuses mean?").click()
    help_panel = page.locator("#status-help")
    for status in ("Queued", "Scheduled", "Sending", "Sent", "Delivered", "Failed", "Cancelled"):
        expect(help_panel.locator("dt", has_text=status).first).to_be_visible()
    expect(help_panel).to_contain_text("Failed — opted out")
    page.get_by_label("Filter by status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.messages tbody tr")).to_have_count(1)
    screenshot("messages-failed-opted-out")
    assert sms_outbox == []
    assert Message.objects.get().failure_reason == "opted_out"


def test_bulk_send_to_selected_contacts_reports_sent_and_blocked(logged_in, app_url, member, workspace, page):
    for name, phone in (("Dana", "+14155550123"), ("Fox", "+14155550124"), ("Walter", "+14155550125")):
        Contact.objects.create(workspace=workspace, name=name, phone=phone)
    optout_services.opt_out(workspace=workspace, phone="+14155550125", method=Method.MANUAL, actor=member)
    logged_in(member).goto(f"{app_url}/w/acme/contacts/")
    for name in ("Dana", "Fox", "Walter"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Bulk send to selected").click()
    expect(page.get_by_label("Walter")).to_be_checked()
    expect(page.locator("label", has_text="Walter")).to_contain_text("Opted out — will be blocked")
    page.get_by_role("textbox", name="Message").fill("Open late tonight")
    page.get_by_role("button", name="Review").click()
    expect(page.locator("[data-bulk-summary]")).to_contain_text("1 will be blocked as opted out")
    assert not Message.objects.exists()  # Nothing goes out before the member confirms.
    page.get_by_role("button", name="Send to 2").click()
    # The send runs as a background job (in-process here) and lands on its page (tests/browser/test_bulk_send_page.py).
    expect(page.locator('[data-count="sent"]')).to_have_text("2")
    expect(page.locator('[data-count="blocked"]')).to_have_text("1")
    assert Message.objects.filter(failure_reason="opted_out").get().to_phone == "+14155550125"
