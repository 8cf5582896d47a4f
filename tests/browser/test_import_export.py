"""A member imports a file and exports the list in a real browser, with a real worker behind."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from imports.models import ImportJob
from optouts.models import Method, OptOut

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROWS = 20_000  # enough that the progress bar is seen moving, not just the summary


@pytest.fixture
def big_list(tmp_path):
    path = tmp_path / "old-provider.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Customer", "Landline", "Mobile"])
        for i in range(ROWS):
            writer.writerow([f"Customer {i}", "", f"+44 7911 {i:06d}"])
        writer.writerow(["Broken", "", "call me maybe"])
    return path


def test_member_imports_a_file_watches_it_finish_and_downloads_the_export(
    page, logged_in, app_url, celery_worker, workspace, member, big_list, screenshot
):
    logged_in(member).goto(app_url + "/w/acme/opt-outs/")
    page.get_by_role("link", name="Import", exact=True).first.click()
    expect(page.get_by_role("heading", name="Import opt-outs")).to_be_visible()
    page.get_by_label("CSV or XLSX file").set_input_files(str(big_list))
    page.get_by_role("button", name="Upload and continue").click()

    # Map: the phone column is detected; the preview shows rows as they will be stored.
    column = page.get_by_label("Column with the phone numbers")
    expect(column).to_have_value("3")
    preview = page.get_by_role("table", name="Preview of the first rows")
    expect(preview.locator("tr[data-row='2']")).to_contain_text("+44 7911 000000")
    # Picking the wrong column shows at once that nothing there is a number…
    column.select_option(label="Landline")
    expect(preview.locator("tr[data-row='2']")).to_contain_text("No phone number given.")
    expect(page.get_by_label("Column with the phone numbers")).to_have_value("2")
    # …so the member maps it back and starts.
    page.get_by_label("Column with the phone numbers").select_option(label="Mobile")
    expect(preview.locator("tr[data-row='2']")).to_contain_text("+44 7911 000000")
    page.get_by_label("Reason (optional)").fill("Unsubscribed at OldSMS")
    screenshot("import-map")
    page.get_by_role("button", name="Start import").click()

    expect(page.get_by_role("status")).to_contain_text("Import of old-provider.csv started")
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_be_visible()
    screenshot("import-progress")
    job = page.locator("[data-job-status]")
    expect(job).to_have_attribute("data-job-status", "succeeded", timeout=120_000)
    expect(bar).to_have_count(0)
    expect(page.locator("[data-count='added']")).to_have_text("20,000")
    expect(page.locator("[data-count='invalid']")).to_contain_text("1")
    screenshot("import-summary")
    assert OptOut.objects.filter(method=Method.IMPORT, reason="Unsubscribed at OldSMS").count() == ROWS
    assert ImportJob.objects.get().requested_by == member

    # Export, and download the file once it is ready.
    page.get_by_role("link", name="Back to Opt-Outs").click()
    page.get_by_role("link", name="Export", exact=True).click()
    page.get_by_label("Email me when it's ready").uncheck()
    page.get_by_role("button", name="Export", exact=True).click()
    download_link = page.get_by_role("link", name=re.compile(r"^Download opt-outs-acme-.*\.csv$"))
    expect(download_link).to_be_visible(timeout=120_000)
    screenshot("export-ready")
    with page.expect_download() as info:
        download_link.click()
    lines = open(info.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[0] == "phone,contact,method,reason,opted_out_at,added_by"
    assert len(lines) == ROWS + 1
    assert lines[1].startswith("+447911000000,,import,Unsubscribed at OldSMS,")


def test_import_and_export_pages_fit_a_small_screen(page, logged_in, app_url, workspace, member, tmp_path, screenshot):
    """At 375px nothing scrolls sideways: the map preview and summary wrap or hide optional columns."""
    path = tmp_path / "phones.csv"
    path.write_text("Name,Phone,Email\nAnn,+44 7911 123456,ann@example.com\nBob,not a number,\n")
    page.set_viewport_size({"width": 375, "height": 740})
    logged_in(member).goto(app_url + "/w/acme/contacts/import/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_label("Column with the phone numbers")).to_have_value("2")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshot("import-map-375")
    page.get_by_role("button", name="Start import").click()  # no worker here: tasks run in-process
    expect(page.locator("[data-count='added']")).to_have_text("1")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    page.goto(app_url + "/w/acme/opt-outs/export/")
    expect(page.get_by_label("Email me when it's ready")).to_be_checked()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
