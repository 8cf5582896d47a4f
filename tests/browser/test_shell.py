from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_member_logs_in_and_sees_the_sidebar(page, app_url, member, workspace, screenshot):
    page.goto(app_url + "/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    sidebar = page.get_by_role("complementary", name="Main navigation")
    for item in ("Conversations", "Contacts", "Opt-Outs", "Messages", "Settings"):
        expect(sidebar.get_by_role("link", name=item)).to_be_visible()
    expect(page.get_by_role("heading", name="Opt-Outs")).to_be_visible()
    expect(page.locator(".topbar")).to_contain_text("Acme Bakery")
    screenshot("shell-opt-outs-empty")


def test_wrong_password_is_refused(page, app_url, member):
    page.goto(app_url + "/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_outsider_gets_the_404_page(logged_in, app_url, outsider, workspace):
    page = logged_in(outsider)
    response = page.goto(app_url + "/w/acme/opt-outs/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_small_screen_hides_the_sidebar_behind_a_toggle(page, logged_in, app_url, member, workspace):
    page.set_viewport_size({"width": 375, "height": 740})
    logged_in(member).goto(app_url + "/w/acme/opt-outs/")
    sidebar = page.get_by_role("complementary", name="Main navigation")
    expect(sidebar.get_by_role("link", name="Contacts")).not_to_be_in_viewport()
    page.locator(".nav-toggle-button").click()
    expect(sidebar.get_by_role("link", name="Contacts")).to_be_in_viewport()
