"""Issue 13 items 8–11 in Chromium at 1366 and 375 px: contact names on Conversations, the workspace's
time zone, keyboard use (skip link, focus on the first error, arrow keys in menus), and small things."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method, OptOut, OptOutEvent
from tests.support.axe import assert_accessible
from tests.support.browser import wait_until_settled_on_a_phone

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 800}


def both_widths(page, screenshot, name: str) -> None:
    """Screenshots at 1366 and 375 px, each checked with axe-core and for sideways scrolling."""
    for size, suffix in ((DESKTOP, "1366"), (PHONE, "375")):
        page.set_viewport_size(size)
        if size is PHONE:
            wait_until_settled_on_a_phone(page)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= size["width"], name
        assert_accessible(page, f"{name} at {suffix} px")
        screenshot(f"{name}-{suffix}")
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def alice(logged_in, member, workspace):
    page = logged_in(member)
    page.set_viewport_size(DESKTOP)
    return page


# --- 8: names on Conversations ------------------------------------------------------------


def test_conversations_name_the_contact_with_that_number_and_search_finds_names(alice, app_url, workspace, screenshot):
    messaging_services.receive_message(to="+14155550100", from_="+14155550123", body="Hi!", provider_sid="SM1")
    messaging_services.receive_message(to="+14155550100", from_="+14155550124", body="Hello", provider_sid="SM2")
    Contact.objects.create(workspace=workspace, name="Dana Reyes", phone="+14155550123")  # after the text came in
    page = alice
    page.goto(f"{app_url}/w/acme/conversations/")
    rows = page.locator("table.conversations tbody tr")
    expect(rows.filter(has_text="+1 415-555-0123")).to_contain_text("Dana Reyes")
    expect(rows.filter(has_text="+1 415-555-0124")).not_to_contain_text("Dana")
    both_widths(page, screenshot, "conversations-named")

    page.get_by_label("Search conversations").fill("reyes")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dana Reyes")
    both_widths(page, screenshot, "conversations-search-by-name")


# --- 9: the workspace's time zone ---------------------------------------------------------


def test_an_owner_picks_a_time_zone_and_every_time_and_send_later_follow_it(
    alice, app_url, workspace, member, screenshot
):
    optout_services.opt_out(workspace=workspace, phone="+14155550199", method=Method.MANUAL, actor=member)
    OptOutEvent.objects.update(at=datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    page = alice
    page.goto(f"{app_url}/w/acme/opt-outs/history/+14155550199/")
    expect(page.locator("[data-time-zone]")).to_have_text("Times in UTC")
    expect(page.locator("main")).to_contain_text("5 Jan 2026, 23:30")

    page.goto(f"{app_url}/w/acme/settings/")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Workspace settings saved.")
    expect(page.locator("[data-time-zone]")).to_have_text(re.compile(r"^Times in America/New_York \(E[SD]T\)$"))
    expect(page.locator("[data-settings-zone]")).to_contain_text("America/New_York")
    both_widths(page, screenshot, "settings-time-zone")

    page.goto(f"{app_url}/w/acme/opt-outs/history/+14155550199/")
    expect(page.locator("main")).to_contain_text("5 Jan 2026, 18:30")

    page.goto(f"{app_url}/w/acme/conversations/new/")
    expect(page.locator("main")).not_to_contain_text("Times are in UTC")
    expect(page.locator("main")).to_contain_text("Enter it in the workspace's time zone, America/New_York")
    page.get_by_label("To").fill("+1 415 555 0188")
    page.get_by_label("Message").fill("Bread is ready")
    page.get_by_label("Send later (optional)").fill("2030-03-10T02:30")  # the clocks go forward at 02:00
    page.get_by_role("button", name="Send").click()
    invalid = page.get_by_label("Send later (optional)")
    expect(invalid).to_have_attribute("aria-invalid", "true")
    expect(invalid).to_be_focused()  # focus moved to the first error
    expect(page.get_by_role("alert")).to_contain_text("Did you mean 03:30?")
    both_widths(page, screenshot, "send-later-dst-gap")

    page.get_by_label("Send later (optional)").fill("2030-01-15T09:00")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("scheduled for 15 Jan 2030, 09:00 EST (America/New_York)")
    assert Message.objects.get(body="Bread is ready").scheduled_for == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
    both_widths(page, screenshot, "send-later-scheduled")


# --- 10: keyboard ---------------------------------------------------------------------------


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(alice, app_url, screenshot):
    page = alice
    page.goto(f"{app_url}/w/acme/opt-outs/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    both_widths(page, screenshot, "skip-link-focused")
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()


def test_a_failed_form_puts_focus_on_its_first_error(alice, app_url, screenshot):
    page = alice
    page.goto(f"{app_url}/w/acme/opt-outs/add/")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_role("button", name="Add Opt-Out").click()
    field = page.get_by_label("Phone number")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    # The error is the field's description, and a list (not an alert) inside an alert region.
    described = field.get_attribute("aria-describedby").split()
    expect(page.locator(f"#{described[0]}")).to_have_text(
        "“07911 123456” is not a valid phone number. If it is a UK number, add +44: +44 7911 123456."
    )
    assert page.locator("ul[role]").count() == 0
    both_widths(page, screenshot, "form-error-focused")


def test_arrow_keys_home_end_and_escape_in_an_actions_menu(alice, app_url, workspace, member, screenshot):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    page = alice
    page.goto(f"{app_url}/w/acme/opt-outs/")
    button = page.locator("table.optouts tbody tr").first.locator("details.menu > summary")
    button.focus()
    page.keyboard.press("ArrowDown")
    items = page.locator("table.optouts tbody tr").first.get_by_role("menuitem")
    expect(items.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(items.last).to_be_focused()
    page.keyboard.press("ArrowDown")  # wraps round
    expect(items.nth(0)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(items.last).to_be_focused()
    page.keyboard.press("Home")
    expect(items.nth(0)).to_be_focused()
    screenshot("actions-menu-keyboard-1366")
    page.keyboard.press("Escape")
    expect(button).to_be_focused()
    expect(button.locator("xpath=..")).not_to_have_attribute("open", "")
    # Enter opens it with focus on the first item, as a menu button does.
    page.keyboard.press("Enter")
    expect(items.nth(0)).to_be_focused()
    page.set_viewport_size(PHONE)
    wait_until_settled_on_a_phone(page)
    assert_accessible(page, "an open Actions menu at 375 px")
    screenshot("actions-menu-keyboard-375")


# --- 11: small things -------------------------------------------------------------------------


def test_favicon_read_only_reply_title_and_empty_reason(alice, app_url, workspace, member, screenshot):
    messaging_services.receive_message(to="+14155550100", from_="+14155550123", body="STOP", provider_sid="SM1")
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)
    page = alice
    page.goto(f"{app_url}/w/acme/opt-outs/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(app_url + icon)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    assert page.request.get(app_url + "/favicon.ico").ok  # redirected to the same icon
    row = page.locator("table.optouts tbody tr").filter(has_text="+1 415-555-0124")
    expect(row.locator("td.c-reason")).to_have_text("—")
    both_widths(page, screenshot, "optouts-empty-reason")

    reply = OptOut.objects.get(method=Method.REPLY)
    page.goto(f"{app_url}/w/acme/opt-outs/{reply.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Opt-out")
    expect(page).to_have_title(re.compile(r"^Opt-out · Acme Bakery$"))
    both_widths(page, screenshot, "optout-reply-read-only")
