from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from api.models import ApiToken

pytestmark = pytest.mark.browser


def _call_api(app_url: str, secret: str) -> int:
    response = requests.get(f"{app_url}/api/v1/opt-outs", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    return response.status_code


def test_member_creates_uses_and_revokes_a_token(page, logged_in, app_url, member, workspace, screenshot):
    logged_in(member).goto(app_url + "/w/acme/settings/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    expect(page.get_by_text("No API tokens yet")).to_be_visible()

    page.get_by_label("Name").fill("Shop CRM")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    expect(page.get_by_role("note").filter(has_text="shown only once")).to_be_visible()
    secret = page.get_by_label("Your API token").input_value()
    assert secret.startswith("emu_")
    screenshot("api-token-created")

    assert _call_api(app_url, secret) == 200
    page.get_by_role("link", name="Done").click()
    row = page.locator("tr", has_text="Shop CRM")
    expect(row).to_contain_text(secret[:12] + "…")
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never")  # Last used: just now.
    expect(page.locator("body")).not_to_contain_text(secret)

    row.get_by_label("Actions for Shop CRM").click()
    row.get_by_role("menuitem", name="Revoke").click()
    expect(page.get_by_role("heading", name="Revoke API token")).to_be_visible()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("status")).to_contain_text("“Shop CRM” is revoked")
    expect(page.locator("tr", has_text="Shop CRM")).to_contain_text("Revoked")
    assert _call_api(app_url, secret) == 401
    assert ApiToken.objects.get().revoked_by == member


def test_token_page_fits_a_small_screen(page, logged_in, app_url, member, workspace, screenshot):
    from api import services

    services.create_token(workspace=workspace, name="Shop CRM", actor=member)
    page.set_viewport_size({"width": 375, "height": 740})
    logged_in(member).goto(app_url + "/w/acme/settings/api-tokens/")
    expect(page.get_by_role("button", name="Create token")).to_be_in_viewport()
    row = page.locator("tr", has_text="Shop CRM")
    # Below the fold when a banner shows (no broker on a laptop): scrolled to, it must be all on screen,
    # not cut off at the right edge.
    actions = row.get_by_label("Actions for Shop CRM")
    actions.scroll_into_view_if_needed()
    expect(actions).to_be_in_viewport(ratio=1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot("api-tokens-375")


def test_api_docs_render_from_vendored_assets(page, app_url, db):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(app_url + "/api/v1/docs/")
    expect(page.get_by_text("Send a message")).to_be_visible()
    expect(page.get_by_text("Is this number opted out?")).to_be_visible()
    assert requested and all(url.startswith(app_url) or url.startswith("data:") for url in requested), requested
