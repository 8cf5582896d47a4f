"""Teams and numbers in a real browser: create a workspace, invite and join, roles, numbers, password reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from messaging.models import SenderNumber
from tests.support.axe import assert_accessible
from tests.support.fake_twilio_numbers import FakeTwilioNumbers, running
from workspaces.models import Membership, Workspace

pytestmark = pytest.mark.browser

SID = "AC" + "5" * 32


def _link(pattern: str) -> str:
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_a_user_creates_a_workspace_from_the_switcher(page, logged_in, app_url, member, workspace):
    logged_in(member).goto(app_url + "/w/acme/opt-outs/")
    page.get_by_label("Switch workspace").click()
    page.get_by_role("menuitem", name="+ New workspace").click()
    expect(page.get_by_role("heading", name="New workspace")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Address").fill("acme")
    page.get_by_label("Default country").fill("zz")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text("The address “acme” is taken by another workspace")).to_be_visible()
    expect(page.get_by_text("“ZZ” is not a two-letter country code")).to_be_visible()
    page.get_by_label("Address").fill("initech")
    page.get_by_label("Default country").fill("gb")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_role("status")).to_contain_text("Initech is ready. You are its owner")
    expect(page.get_by_role("heading", name="Sender numbers", exact=True)).to_be_visible()
    created = Workspace.objects.get(slug="initech")
    assert (created.default_region, created.time_zone) == ("GB", "Europe/London")
    assert Membership.objects.get(workspace=created, user=member).role == "owner"


def test_an_owner_invites_someone_who_creates_an_account_and_joins(
    page, browser, logged_in, app_url, member, teammate, workspace, screenshot
):
    logged_in(member).goto(app_url + "/w/acme/settings/")
    page.get_by_role("link", name="Members").first.click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to dana@example.com")
    expect(page.locator("tr[data-invitation='dana@example.com']")).to_contain_text("Sent")
    link = _link(r"http://[^\s]+/invitations/[^\s/]+/")

    invitee = browser.new_context().new_page()  # signed out
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Acme Bakery")).to_be_visible()
    expect(invitee.get_by_text("dana@example.com").first).to_be_visible()
    assert_accessible(invitee)
    invitee.get_by_label("Username").fill("dana")
    invitee.get_by_label("Password").fill("a-long-unusual-passphrase")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_role("status")).to_contain_text("Welcome to Acme Bakery")
    expect(invitee.get_by_role("heading", name="Opt-Outs")).to_be_visible()
    # A member: Members in the sidebar, no Settings.
    sidebar = invitee.get_by_role("complementary", name="Main navigation")
    expect(sidebar.get_by_role("link", name="Members")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Settings")).to_have_count(0)
    invitee.context.close()

    page.reload()
    row = page.locator("tr[data-member=dana]")
    expect(row).to_contain_text("Member")
    expect(page.get_by_role("table", name="Changes to the members")).to_contain_text("Joined: dana")
    screenshot("members-1366")
    assert_accessible(page)

    row.get_by_label("Actions for dana").click()
    row.get_by_role("menuitem", name="Make owner").click()
    expect(page.get_by_role("status")).to_contain_text("dana is now owner.")
    bob_row = page.locator("tr[data-member=bob]")
    bob_row.get_by_label("Actions for bob").click()
    bob_row.get_by_role("menuitem", name="Remove").click()
    page.get_by_role("button", name="Remove member").click()
    expect(page.get_by_role("status")).to_contain_text("Bob was removed from Acme Bakery.")
    assert not Membership.objects.filter(user=teammate).exists()
    assert Membership.objects.get(user__username="dana").role == "owner"

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    actions = page.locator("tr[data-member=dana]").get_by_label("Actions for dana")
    actions.scroll_into_view_if_needed()
    expect(actions).to_be_in_viewport()
    screenshot("members-375")


def test_an_owner_revokes_an_invitation_and_the_link_stops_working(
    page, browser, logged_in, app_url, member, workspace
):
    logged_in(member).goto(app_url + "/w/acme/settings/members/")
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_role("button", name="Send invitation").click()
    link = _link(r"http://[^\s]+/invitations/[^\s/]+/")
    row = page.locator("tr[data-invitation='erin@example.com']")
    row.get_by_label("Actions for the invitation to erin@example.com").click()
    row.get_by_role("menuitem", name="Revoke").click()
    page.get_by_role("button", name="Revoke invitation").click()
    expect(page.get_by_role("status")).to_contain_text("The invitation for erin@example.com is revoked")
    expect(page.get_by_text("No pending invitations")).to_be_visible()
    other = browser.new_context().new_page()
    other.goto(link)
    expect(other.get_by_role("heading", name="This invitation can't be used")).to_be_visible()
    other.context.close()


def test_a_member_is_shown_who_the_owners_are_on_owner_pages(page, logged_in, app_url, member, teammate, workspace):
    response = logged_in(teammate).goto(app_url + "/w/acme/settings/numbers/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Only owners can change this")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Alice")
    assert_accessible(page)


def test_an_owner_adds_a_number_and_emuchat_points_its_twilio_webhooks_here(
    page, logged_in, app_url, member, workspace, settings, screenshot
):
    fake = FakeTwilioNumbers(account_sid=SID, auth_token="browser-token")
    with running(fake):
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, "browser-token"
        pn = fake.add_number("+14155550177", sms_url="https://old.example.com/sms")
        logged_in(member).goto(app_url + "/w/acme/settings/")
        page.get_by_role("link", name="Sender numbers").first.click()
        page.get_by_label("Phone number").fill("(415) 555-0177")
        page.get_by_label("Label (optional)").fill("Support")
        page.get_by_role("button", name="Add number").click()
        expect(page.get_by_role("status")).to_contain_text("+1 415-555-0177 added, and its Twilio webhooks now point")
        wiring = page.locator("[data-wiring]")
        expect(wiring).to_contain_text(f"Incoming texts: https://old.example.com/sms → {app_url}/webhooks/twilio/sms/")
        expect(wiring).to_contain_text(f"Status callback: (not set) → {app_url}/webhooks/twilio/status/")
        assert fake.numbers[pn]["sms_url"] == f"{app_url}/webhooks/twilio/sms/"
        expect(page.locator("tr", has_text="+1 415-555-0177")).to_contain_text("Set by emu.chat")
        screenshot("sender-numbers-1366")
        assert_accessible(page)

        page.get_by_label("Phone number").fill("+1 415 555 0100")
        page.get_by_role("button", name="Add number").click()
        expect(page.get_by_role("alert")).to_contain_text("already one of this workspace's sender numbers")

        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(app_url + "/w/acme/settings/numbers/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        row = page.locator("tr[data-number='+14155550177']")
        row.get_by_label("Actions for +1 415-555-0177").scroll_into_view_if_needed()
        expect(row.get_by_label("Actions for +1 415-555-0177")).to_be_in_viewport()
        screenshot("sender-numbers-375")
        row.get_by_label("Actions for +1 415-555-0177").click()
        row.get_by_role("menuitem", name="Remove").click()
        page.get_by_role("button", name="Remove number").click()
        expect(page.get_by_role("status")).to_contain_text("+1 415-555-0177 removed.")
        assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_without_credentials_the_page_says_what_to_paste_into_twilio(
    page, logged_in, app_url, member, workspace, settings
):
    settings.TWILIO_ACCOUNT_SID = ""
    logged_in(member).goto(app_url + "/w/acme/settings/numbers/")
    page.get_by_label("Phone number").fill("415 555 0178")
    page.get_by_role("button", name="Add number").click()
    wiring = page.locator("[data-wiring]")
    expect(wiring).to_contain_text("A message comes in")
    expect(wiring.locator("[data-copy=sms-url]")).to_have_text(f"{app_url}/webhooks/twilio/sms/")
    expect(wiring.locator("[data-copy=status-url]")).to_have_text(f"{app_url}/webhooks/twilio/status/")
    expect(page.locator("tr", has_text="+1 415-555-0178")).to_contain_text("Not checked")


def test_a_forgotten_password_is_reset_by_email(page, app_url, member):
    page.goto(app_url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(_link(r"http://[^\s]+/accounts/reset/[^\s]+"))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("another-long-passphrase")
    page.get_by_label("New password confirmation").fill("another-long-passphrase")
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("another-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Opt-Outs")).to_be_visible()


def test_an_invitee_with_an_account_signs_in_from_the_link_and_joins(
    page, browser, logged_in, app_url, member, workspace
):
    from tests.conftest import PASSWORD, make_user

    make_user("dana", "Dana")
    logged_in(member).goto(app_url + "/w/acme/settings/members/")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Role").select_option("owner")
    page.get_by_role("button", name="Send invitation").click()
    link = _link(r"http://[^\s]+/invitations/[^\s/]+/")

    invitee = browser.new_context().new_page()
    invitee.goto(link)
    invitee.get_by_role("link", name="I have an account: sign in").click()
    invitee.get_by_label("Username").fill("dana")
    invitee.get_by_label("Password").fill(PASSWORD)
    invitee.get_by_role("button", name="Log in").click()
    expect(invitee.get_by_role("status")).to_contain_text("Welcome to Acme Bakery")
    sidebar = invitee.get_by_role("complementary", name="Main navigation")
    expect(sidebar.get_by_role("link", name="Settings")).to_be_visible()  # invited as owner
    invitee.context.close()
    assert Membership.objects.get(user__username="dana").role == "owner"


def test_an_owner_changes_the_workspace_settings(page, logged_in, app_url, member, workspace):
    logged_in(member).goto(app_url + "/w/acme/settings/")
    assert_accessible(page)
    page.get_by_label("Name").fill("Acme Bakery & Co")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Twilio account SID (optional)").fill("AC" + "1" * 32)
    page.get_by_label("Twilio auth token").fill("own-token")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Workspace settings saved.")
    expect(page.locator(".detail-list")).to_contain_text("America/New_York")
    expect(page.get_by_label("Twilio auth token")).to_have_value("")
    expect(page.get_by_text("This workspace has its own Twilio credentials")).to_be_visible()
