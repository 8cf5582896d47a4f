"""Issue 16 items 1, 2, 5 in a real browser: History with consent beside opt-outs, the evidence pack, double opt-in."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from compliance.segments import segments
from optouts import services
from optouts.models import EvidenceDownload
from tests.support.axe import assert_accessible
from tests.support.twilio import WEBHOOK_PATH, sign

pytestmark = pytest.mark.browser

NUMBER = "+14155550123"
PROMPT = "Acme Bakery: reply Y to confirm you want texts from us. Msg & data rates may apply. Reply STOP to opt out."


def _text(page, app_url, body: str, sid: str) -> None:
    params = {"From": NUMBER, "To": "+14155550100", "Body": body, "MessageSid": sid, "NumMedia": "0"}
    response = page.request.post(app_url + WEBHOOK_PATH, form=params, headers={"X-Twilio-Signature": sign(params)})
    assert response.status == 200


def test_history_shows_consent_beside_opt_outs_and_downloads_the_evidence_pack(
    page, logged_in, app_url, member, workspace, screenshot
):
    services.record_consent(
        workspace=workspace, phone=NUMBER, method="api", text="Yes, text me offers", source={"token_id": 3}
    )
    _text(page, app_url, "STOP", "SMb1")
    _text(page, app_url, "SUBSCRIBE", "SMb2")
    page.set_viewport_size({"width": 1366, "height": 900})
    logged_in(member).goto(f"{app_url}/w/acme/opt-outs/history/{NUMBER}/")

    page.get_by_role("link", name="Record consent…").click()
    page.get_by_label("What they agreed to, and how you know").fill("Signed the loyalty card form at the counter")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("status").filter(has_text="Consent of +1 415-555-0123 recorded.")).to_be_visible()

    table = page.get_by_role("table", name=re.compile("opt-outs and consent"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("Signed the loyalty card form")
    expect(rows.nth(0)).to_contain_text("By hand")
    expect(rows.nth(1)).to_contain_text("Consent recorded")
    expect(rows.nth(1)).to_contain_text("SUBSCRIBE")
    expect(rows.nth(2)).to_contain_text("Opted in")
    expect(rows.nth(3)).to_contain_text("Opted out")
    expect(rows.nth(4)).to_contain_text("Yes, text me offers")
    expect(rows.nth(4)).to_contain_text("API token #3")
    assert_accessible(page, "History with consent")
    screenshot("history-consent-and-opt-outs-1366")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download evidence pack").click()
    download = info.value
    assert re.fullmatch(r"evidence-14155550123-\d{8}-\d{6}\.zip", download.suggested_filename)
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    content = archive.read("evidence.csv").decode("utf-8-sig")
    assert "Signed the loyalty card form" in content and "STOP" in content
    assert EvidenceDownload.objects.filter(phone=NUMBER, downloaded_by=member).count() == 1

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.locator("tr[data-download]")).to_contain_text("Evidence pack downloaded")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    assert_accessible(page, "History with consent at 375 px")
    screenshot("history-consent-and-opt-outs-375")


def test_settings_show_the_double_opt_in_wording_and_a_join_then_y_records_consent(
    page, logged_in, app_url, member, workspace, screenshot, sms_outbox
):
    page.set_viewport_size({"width": 1366, "height": 900})
    logged_in(member).goto(f"{app_url}/w/acme/settings/compliance/")
    section = page.locator("[data-double-opt-in]")
    expect(section.get_by_role("heading", name="Double opt-in")).to_be_visible()
    expect(section.locator("[data-join-prompt]")).to_have_text(PROMPT)
    expect(section.locator("[data-join-prompt-segments]")).to_have_text(str(segments(PROMPT)))
    expect(page.get_by_label("Ask people who text the join keyword to confirm with Y")).not_to_be_checked()
    assert_accessible(page, "Compliance settings with double opt-in")
    screenshot("settings-double-opt-in-1366")

    page.get_by_label("Ask people who text the join keyword to confirm with Y").check()
    page.get_by_label("Join keyword", exact=True).fill("bread club")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Compliance settings saved.")).to_be_visible()
    expect(page.get_by_label("Join keyword", exact=True)).to_have_value("BREAD CLUB")
    page.set_viewport_size({"width": 375, "height": 800})
    section.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "Compliance settings at 375 px")
    screenshot("settings-double-opt-in-375")

    _text(page, app_url, "Bread club", "SMj1")
    _text(page, app_url, "Y", "SMj2")
    page.goto(f"{app_url}/w/acme/opt-outs/history/{NUMBER}/")
    consent = page.locator("tr[data-consent='reply']")
    expect(consent).to_contain_text(PROMPT)
    expect(consent).to_contain_text("Double opt-in: joined with message #")
