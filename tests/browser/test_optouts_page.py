"""The Opt-Outs page in Chromium: add, search, filter, edit, remove with confirmation (issue 4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact
from messaging import services as messaging_services
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent
from tests.support.browser import wait_until_settled_on_a_phone

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def opt_outs_page(logged_in, app_url, member, workspace):
    page = logged_in(member)

    def open_page(query: str = ""):
        page.goto(f"{app_url}/w/acme/opt-outs/{query}")
        return page

    return open_page


def row(page, number: str):
    return page.locator("table.optouts tbody tr").filter(has_text=number)


def open_actions(page, number: str):
    page.get_by_label(f"Actions for {number}").click()
    return page.locator("details.menu[open] .menu-items")


@pytest.fixture
def listed(workspace, member):
    """A list with every method, a shared number and a wave of STOPs, as a member would see it."""
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member, reason="Asked")
    services.opt_out(
        workspace=workspace, phone="+447911123456", method=Method.IMPORT, actor=member, reason="From the old CRM"
    )
    services.opt_out(workspace=workspace, phone="+4915112345678", method=Method.LINK)
    for n, text in enumerate(["STOP", "Stop please", "UNSUBSCRIBE", "stop texting me"]):
        messaging_services.receive_message(
            to="+14155550100", from_=f"+1212555{n:04d}", body=text, provider_sid=f"SM{n}"
        )
    Contact.objects.create(workspace=workspace, name="Dana Scully", phone="+14155550123")
    Contact.objects.create(workspace=workspace, name="Dana at work", phone="+14155550123")
    Contact.objects.create(workspace=workspace, name="Nigel", phone="+447911123456")
    # Spread the list over the month: a wave of STOPs two days ago, the rest earlier.
    for i, optout in enumerate(OptOut.objects.order_by("id")):
        when = timezone.now() - (
            timedelta(days=2, minutes=i) if optout.method == Method.REPLY else timedelta(days=12 + i)
        )
        OptOut.objects.filter(pk=optout.pk).update(created_at=when)
        OptOutEvent.objects.filter(workspace=workspace, phone=optout.phone).update(at=when)


def test_member_adds_an_opt_out_and_reads_the_confirmation(opt_outs_page):
    page = opt_outs_page()
    expect(page.get_by_role("heading", name="No one has opted out yet")).to_be_visible()
    page.get_by_role("link", name="Add Opt-Out").first.click()
    page.get_by_label("Phone number").fill("(415) 555-0123")
    page.get_by_label("Reason (optional)").fill("Asked on the phone")
    page.get_by_role("button", name="Add Opt-Out").click()
    expect(page.get_by_role("status").filter(has_text="+1 415-555-0123 is opted out")).to_be_visible()
    expect(row(page, "+1 415-555-0123")).to_contain_text("Asked on the phone")
    expect(row(page, "+1 415-555-0123")).to_contain_text("Manual")
    expect(row(page, "+1 415-555-0123")).to_contain_text("Alice")
    assert OptOut.objects.get().phone == "+14155550123"


def test_add_explains_an_invalid_number_and_one_already_on_the_list(opt_outs_page, listed):
    page = opt_outs_page("add/")
    page.get_by_label("Phone number").fill("555-CALL-NOW")
    page.get_by_role("button", name="Add Opt-Out").click()
    expect(page.get_by_role("alert")).to_have_text("“555-CALL-NOW” is not a valid phone number.")
    page.get_by_label("Phone number").fill("+44 7911 123456")
    page.get_by_role("button", name="Add Opt-Out").click()
    expect(page.get_by_role("alert")).to_have_text("+44 7911 123456 is already opted out.")
    assert OptOut.objects.count() == 7


def test_member_searches_by_any_writing_of_a_number(opt_outs_page, listed):
    page = opt_outs_page()
    search = page.get_by_label("Search by phone number")
    search.fill("0044 7911")
    search.press("Enter")
    expect(page.locator("table.optouts tbody tr")).to_have_count(1)
    expect(row(page, "+44 7911 123456")).to_contain_text("Nigel")
    page.get_by_label("Search by phone number").fill("(415) 555-0123")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(1)
    expect(row(page, "+1 415-555-0123")).to_contain_text("Dana Scully and 1 more")
    page.get_by_label("Search by phone number").fill("212 555")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Clear").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(7)


def test_member_filters_by_method_and_combines_it_with_search(opt_outs_page, listed):
    page = opt_outs_page()
    page.get_by_label("Filter by method").select_option("link")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(1)
    expect(row(page, "+49 1511 2345678")).to_contain_text("Link")
    expect(row(page, "+49 1511 2345678").locator("td").nth(5)).to_have_text("—")
    page.get_by_label("Filter by method").select_option("reply")
    page.get_by_label("Search by phone number").fill("+1 212 555 0001")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(1)
    expect(row(page, "+1 212-555-0001")).to_contain_text("Stop please")
    # The totals double as filters, and keep the search text (issue 13).
    page.get_by_role("link", name="Import 1").click()
    expect(page.get_by_label("Search by phone number")).to_have_value("+1 212 555 0001")
    expect(page.locator("[data-match-count]")).to_have_text("0 numbers match “+1 212 555 0001” with method Import.")
    page.get_by_label("Search by phone number").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(1)
    expect(row(page, "+44 7911 123456")).to_be_visible()


def test_member_edits_a_number_from_the_actions_menu(opt_outs_page, listed):
    page = opt_outs_page()
    open_actions(page, "+1 415-555-0123").get_by_role("menuitem", name="Edit").click()
    page.get_by_label("Phone number").fill("+1 415 555 0199")
    page.get_by_label("Reason (optional)").fill("Asked twice")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="updated")).to_be_visible()
    expect(row(page, "+1 415-555-0199")).to_contain_text("Asked twice")
    expect(row(page, "+1 415-555-0123")).to_have_count(0)
    open_actions(page, "+1 415-555-0199").get_by_role("menuitem", name="History").click()
    expect(page.get_by_text("Number +1 415-555-0123 → +1 415-555-0199")).to_be_visible()


def test_editing_to_a_number_already_on_the_list_is_refused(opt_outs_page, listed):
    page = opt_outs_page()
    open_actions(page, "+1 415-555-0123").get_by_role("menuitem", name="Edit").click()
    page.get_by_label("Phone number").fill("+44 7911 123456")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_have_text("+44 7911 123456 is already opted out.")
    assert OptOut.objects.filter(phone="+14155550123").exists()


def test_reply_entries_are_read_only_with_the_reason(opt_outs_page, listed):
    page = opt_outs_page()
    menu = open_actions(page, "+1 212-555-0003")
    expect(menu).to_contain_text("A reply is the recipient's own words")
    menu.get_by_role("menuitem", name="View").click()
    expect(page.get_by_role("note").filter(has_text="came from the recipient's own reply")).to_be_visible()
    expect(page.get_by_label("Phone number")).to_have_count(0)


def test_member_removes_an_opt_out_after_confirming(opt_outs_page, listed, workspace):
    page = opt_outs_page()
    open_actions(page, "+44 7911 123456").get_by_role("menuitem", name="Remove…").click()
    expect(page.get_by_text("Remove +44 7911 123456 from the opt-out list?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(row(page, "+44 7911 123456")).to_be_visible()
    open_actions(page, "+44 7911 123456").get_by_role("menuitem", name="Remove…").click()
    page.get_by_role("button", name="Remove +44 7911 123456").click()
    expect(page.get_by_role("status").filter(has_text="+44 7911 123456 was removed")).to_be_visible()
    expect(row(page, "+44 7911 123456")).to_have_count(0)
    message = messaging_services.send_message(workspace=workspace, to="+447911123456", body="Welcome back")
    assert message.failure_reason == ""


def test_totals_chart_and_hover_times_are_shown(opt_outs_page, listed, page, screenshot):
    page = opt_outs_page()
    totals = page.get_by_role("navigation", name="Numbers on the list now, by method")
    expect(totals.locator('[data-total="all"]')).to_have_text("7")
    expect(totals.locator('[data-total="reply"]')).to_have_text("4")
    chart = page.locator("figure.chart")
    expect(chart).to_contain_text("7 recorded")
    expect(chart.locator('.chart-wide rect[data-method="reply"]')).to_have_count(1)
    chart.get_by_text("Show the numbers as a table").click()
    expect(chart.locator("table tbody tr")).to_have_count(4)
    when = row(page, "+1 415-555-0123").locator("time")
    expect(when).to_have_text(re.compile(r"\d+ (days|weeks?) ago"))
    expect(when).to_have_attribute("title", re.compile(r"\d{4}, \d\d:\d\d:\d\d"))
    chart.get_by_text("Show the numbers as a table").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("optouts-page")
    page.set_viewport_size({"width": 375, "height": 800})
    wait_until_settled_on_a_phone(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    screenshot("optouts-page-375")
