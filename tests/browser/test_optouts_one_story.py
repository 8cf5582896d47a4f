"""Issue 13 in Chromium at 1366 and 375 px: chart and cards agree, every column on a phone,
filter context survives, the import preview and its rows, one name, history across edits,
export Ready — each page checked with axe-core (no serious or critical violation)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from messaging import services as messaging_services
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent
from tests.support.axe import assert_accessible

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 800}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def member_page(logged_in, member, app_url):
    page = logged_in(member)
    page.set_viewport_size(DESKTOP)

    def go(path: str = ""):
        page.goto(f"{app_url}/w/acme/opt-outs/{path}")
        return page

    return go


@pytest.fixture
def story(workspace, member):
    """Manual and imported entries by Alice, STOP replies, one of which opted back in."""
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member, reason="Asked")
    services.opt_out(workspace=workspace, phone="+447911123456", method=Method.MANUAL, actor=member)
    for n, body in enumerate(["STOP", "Stop please", "UNSUBSCRIBE"]):
        messaging_services.receive_message(
            to="+14155550100", from_=f"+1212555{n:04d}", body=body, provider_sid=f"SM{n}"
        )
    services.opt_in(workspace=workspace, phone="+12125550002", method=Method.REPLY)
    for i, optout in enumerate(OptOut.objects.order_by("id")):
        when = timezone.now() - timedelta(days=2 + i)
        OptOut.objects.filter(pk=optout.pk).update(created_at=when)
        OptOutEvent.objects.filter(phone=optout.phone, action="opted_out").update(at=when)


def row(page, number: str):
    return page.locator("table.optouts tbody tr").filter(has_text=number)


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]


def both_widths(page, screenshot, name: str):
    """Screenshots at 1366 and 375 px, each checked with axe-core and for sideways scrolling."""
    for size, suffix in ((DESKTOP, "1366"), (PHONE, "375")):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the sidebar slides away on a phone
        no_sideways_scroll(page)
        assert_accessible(page, f"{name} at {suffix} px")
        screenshot(f"{name}-{suffix}")
    page.set_viewport_size(DESKTOP)


def test_cards_count_the_list_now_and_the_chart_counts_opt_outs_and_follows_the_method(member_page, story, screenshot):
    page = member_page()
    cards = page.get_by_role("navigation", name="Numbers on the list now, by method")
    expect(cards.locator('[data-total="all"]')).to_have_text("4")
    expect(cards.locator('[data-total="reply"]')).to_have_text("2")
    chart = page.locator("figure.chart")
    expect(chart.locator("figcaption")).to_contain_text("New opt-outs per day, last 30 days")
    expect(chart.locator("figcaption")).to_contain_text("5 recorded")
    expect(chart.locator("figcaption")).to_contain_text("the cards above count the numbers on the list now")
    both_widths(page, screenshot, "optouts-chart-all")

    cards.get_by_role("link", name="Reply 2").click()
    expect(chart.locator("figcaption")).to_contain_text("New Reply opt-outs per day")
    expect(chart.locator("figcaption")).to_contain_text("3 recorded")
    expect(chart.locator('.chart-wide rect[data-method="manual"]')).to_have_count(0)
    expect(chart.locator('.chart-wide rect[data-method="reply"]')).to_have_count(3)
    expect(page.locator("[data-match-count]")).to_have_text("2 numbers match with method Reply.")
    both_widths(page, screenshot, "optouts-chart-reply")


def test_on_a_phone_every_column_shows_and_the_exact_time_opens_on_tap(member_page, story, screenshot):
    page = member_page()
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    entry = row(page, "+1 415-555-0123")
    # Labelled lines in a stacked row ("Reason: …", "Added by: …"; the labels are CSS content).
    for cell, value, label in (("td.c-reason", "Asked", "Reason"), ("td.c-added-by", "Alice", "Added by")):
        expect(entry.locator(cell)).to_be_visible()
        expect(entry.locator(cell)).to_have_text(value)
        before = entry.locator(cell).evaluate("cell => getComputedStyle(cell, '::before').content")
        assert before == f'"{label}: "'

    expect(entry.get_by_role("link", name="+1 415-555-0123")).to_be_visible()
    exact = entry.locator(".exact-time")
    expect(exact).to_be_hidden()
    entry.locator("details.when summary").click()
    expect(exact).to_be_visible()
    expect(exact).to_have_text(re.compile(r"\w{3} \d+ \w{3} \d{4}, \d\d:\d\d:\d\d"))

    # The chart: the narrow drawing, with its y-axis and the newest date inside the screen.
    narrow = page.locator("svg.chart-narrow")
    expect(narrow).to_be_visible()
    expect(page.locator("svg.chart-wide")).to_be_hidden()
    svg_box = narrow.bounding_box()
    last = narrow.locator("text[data-last-day]").bounding_box()
    assert last["x"] + last["width"] <= svg_box["x"] + svg_box["width"] + 0.5
    assert last["x"] + last["width"] <= PHONE["width"]
    zero = narrow.locator("text", has_text=re.compile(r"^0$")).bounding_box()
    assert zero["x"] >= 0
    today = timezone.localdate()
    expect(narrow.locator("text[data-last-day]")).to_have_text(f"{today.day} {today:%b}")
    no_sideways_scroll(page)
    assert_accessible(page, "the Opt-Outs page at 375 px")
    screenshot("optouts-phone-row-375")
    page.set_viewport_size(DESKTOP)
    screenshot("optouts-phone-row-1366")


@pytest.fixture
def long_list(workspace, member):
    numbers = [f"+1415555{n:04d}" for n in range(60)]
    services.import_batch(workspace=workspace, phones=numbers, reason="Old list", actor=member)


def test_edit_remove_and_cancel_return_to_the_same_search_method_and_page(member_page, long_list, screenshot):
    page = member_page("?q=415+555&method=import&page=2")
    expect(page.locator("[data-match-count]")).to_have_text("60 numbers match “415 555” with method Import.")
    first = page.locator("table.optouts tbody tr").first
    number = first.locator("td.c-number a").inner_text()
    first.get_by_label(f"Actions for {number}").click()
    first.get_by_role("menuitem", name="Edit").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/opt-outs/\?q=415\+555&method=import&page=2$"))

    first = page.locator("table.optouts tbody tr").first
    first.get_by_label(f"Actions for {number}").click()
    first.get_by_role("menuitem", name="Edit").click()
    page.get_by_label("Reason (optional)").fill("Checked again")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(r"/opt-outs/\?q=415\+555&method=import&page=2$"))
    expect(page.get_by_label("Search by phone number")).to_have_value("415 555")
    expect(row(page, number)).to_contain_text("Checked again")

    row(page, number).get_by_label(f"Actions for {number}").click()
    row(page, number).get_by_role("menuitem", name="Remove…").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"\?q=415\+555&method=import&page=2$"))
    row(page, number).get_by_label(f"Actions for {number}").click()
    row(page, number).get_by_role("menuitem", name="Remove…").click()
    assert_accessible(page, "the Remove confirmation")
    page.get_by_role("button", name=f"Remove {number}").click()
    expect(page).to_have_url(re.compile(r"\?q=415\+555&method=import&page=2$"))
    expect(page.get_by_role("status").filter(has_text="was removed")).to_be_visible()
    expect(page.locator("[data-match-count]")).to_have_text("59 numbers match “415 555” with method Import.")

    # A total card keeps the search text.
    cards = page.get_by_role("navigation", name="Numbers on the list now, by method")
    cards.get_by_role("link", name="Manual 0").click()
    expect(page.get_by_label("Search by phone number")).to_have_value("415 555")
    both_widths(page, screenshot, "optouts-filter-context")


def test_a_headerless_file_imports_every_number_and_the_summary_links_to_its_rows(
    member_page, workspace, member, tmp_path, screenshot
):
    services.opt_out(workspace=workspace, phone="+12015554099", method=Method.MANUAL, actor=member)
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    path = tmp_path / "sms-tool-export.csv"
    path.write_text("2015554098\n2015554099\n(201) 555-4100\n+1 201 555 4098\n")
    page = member_page("import/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator("[data-no-header]")).to_be_visible()
    preview = page.get_by_role("table", name="Preview of the first rows")
    expect(preview.locator("tr[data-row='1']")).to_contain_text("+1 201-555-4098")
    expect(preview.locator("tr[data-row='2']")).to_contain_text("Already opted out")
    expect(preview.locator("tr[data-row='4']")).to_contain_text("Same number as row 1: skipped.")
    both_widths(page, screenshot, "import-preview-headerless")

    page.get_by_role("button", name="Start import").click()  # tasks run in-process here
    expect(page.locator("[data-count='added']")).to_have_text("2")
    expect(page.locator(".job-head")).to_contain_text("by Alice")
    both_widths(page, screenshot, "import-summary-link")
    page.get_by_role("link", name="Show the 2 numbers this import added").click()
    expect(page.locator("table.optouts tbody tr")).to_have_count(2)
    expect(row(page, "+1 201-555-4098")).to_be_visible()
    expect(row(page, "+1 201-555-4100")).to_be_visible()
    expect(page.locator("[data-import-filter]")).to_contain_text("sms-tool-export.csv")
    both_widths(page, screenshot, "optouts-filtered-by-import")


def test_one_name_for_alice_on_the_list_history_and_export(member_page, story, screenshot):
    page = member_page()
    who = row(page, "+1 415-555-0123").locator("td.c-added-by .person")
    expect(who).to_have_text("Alice")
    expect(who).to_have_attribute("title", "Username: alice")
    page.goto(page.url + "history/+14155550123/")
    expect(page.locator("tr[data-event='opted_out'] .person")).to_have_text("Alice")
    page.goto(page.url.split("/opt-outs/")[0] + "/opt-outs/export/")
    page.get_by_label("Email me when it's ready").uncheck()
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.locator(".job-head .person")).to_have_text("Alice")
    expect(page.locator(".job-head .badge")).to_have_text("Ready")
    expect(page.locator("[data-ready]")).to_contain_text("Ready. The file is ready to download")
    expect(page.get_by_text("being prepared")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(re.compile("Your export is ready."))
    both_widths(page, screenshot, "export-ready")


def test_history_of_an_edited_number_shows_where_it_came_from(member_page, workspace, member, screenshot):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member, reason="Asked")
    page = member_page()
    row(page, "+1 415-555-0123").get_by_label("Actions for +1 415-555-0123").click()
    page.get_by_role("menuitem", name="Edit").click()
    page.get_by_label("Phone number").fill("+1 415 555 0199")
    page.get_by_role("button", name="Save changes").click()
    row(page, "+1 415-555-0199").get_by_role("link", name="+1 415-555-0199").click()
    expect(page.locator("[data-came-from]")).to_contain_text("This entry was edited from +1 415-555-0123")
    events = page.locator("tr[data-event]")
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("Number +1 415-555-0123 → +1 415-555-0199")
    expect(events.nth(1)).to_contain_text("Opted out")
    expect(events.nth(1)).to_contain_text("On +1 415-555-0123, before the edit")
    expect(events.nth(1)).to_contain_text("Reason: Asked")
    both_widths(page, screenshot, "history-across-edit")
