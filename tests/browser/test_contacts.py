"""Contacts in Chromium: Opt out / Opt in from the Actions menu, the disabled item without a number (issue 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from optouts import services as optout_services
from optouts.models import Method, OptOut
from tests.support.browser import wait_until_settled_on_a_phone

pytestmark = pytest.mark.browser


@pytest.fixture
def contacts(workspace):
    return {
        "dana": Contact.objects.create(workspace=workspace, name="Dana Scully", phone="+14155550123", email="d@x.org"),
        "fox": Contact.objects.create(workspace=workspace, name="Fox Mulder", phone="+14155550124"),
        "walter": Contact.objects.create(workspace=workspace, name="Walter Skinner", email="w@x.org"),
    }


def contact_row(page, name: str):
    return page.locator("table.contacts tbody tr").filter(has_text=name)


def test_member_opts_a_contact_out_and_back_in_from_the_actions_menu(logged_in, app_url, member, contacts, page):
    logged_in(member).goto(f"{app_url}/w/acme/contacts/")
    expect(contact_row(page, "Dana Scully")).to_contain_text("Allowed")

    page.get_by_label("Actions for Dana Scully").click()
    page.get_by_role("menuitem", name="Opt out").click()
    expect(page.get_by_role("status").filter(has_text="Dana Scully (+1 415-555-0123) is opted out")).to_be_visible()
    expect(contact_row(page, "Dana Scully")).to_contain_text("Opted out")
    expect(contact_row(page, "Fox Mulder")).to_contain_text("Allowed")
    optout = OptOut.objects.get()
    assert (optout.phone, optout.method, optout.created_by) == ("+14155550123", "manual", member)

    page.get_by_label("Actions for Dana Scully").click()
    menu = page.locator("details.menu[open] .menu-items")
    expect(menu.get_by_role("menuitem", name="Opt out")).to_have_count(0)
    menu.get_by_role("menuitem", name="Opt in").click()
    # Opt in asks first, saying how the number came to be opted out (SPEC §6).
    expect(page.get_by_role("heading", name="Opt in +1 415-555-0123?")).to_be_visible()
    expect(page.locator("[data-opt-out-story]")).to_contain_text("Opted out by hand by Alice")
    page.get_by_label("Why (optional)").fill("Asked at the counter")
    page.get_by_role("button", name="Opt in +1 415-555-0123").click()
    expect(page.get_by_role("status").filter(has_text="is opted in and can be texted again")).to_be_visible()
    expect(contact_row(page, "Dana Scully")).to_contain_text("Allowed")
    assert not OptOut.objects.exists()


def test_contact_without_a_number_has_opt_out_disabled_with_the_reason(
    logged_in, app_url, member, workspace, contacts, page, screenshot
):
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.IMPORT, actor=member)
    logged_in(member).goto(f"{app_url}/w/acme/contacts/")
    expect(contact_row(page, "Fox Mulder")).to_contain_text("Opted out")
    page.get_by_label("Actions for Walter Skinner").click()
    menu = page.locator("details.menu[open] .menu-items")
    item = menu.get_by_role("menuitem", name="Opt out")
    expect(item).to_be_disabled()
    expect(menu).to_contain_text("Unavailable: this contact has no phone number")
    expect(item).to_have_accessible_description(
        "Unavailable: this contact has no phone number. Add one with Edit first."
    )
    item.click(force=True)  # a click on the disabled item does nothing
    expect(page.get_by_role("status")).to_have_count(0)
    assert OptOut.objects.count() == 1
    screenshot("contacts-actions-menu")
    page.set_viewport_size({"width": 375, "height": 740})
    wait_until_settled_on_a_phone(page)
    screenshot("contacts-actions-menu-375")
    box = page.locator("details.menu[open] .menu-items").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # the open menu fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_contact_page_shows_since_when_and_how_the_number_opted_out(logged_in, app_url, member, contacts, page):
    logged_in(member).goto(f"{app_url}/w/acme/contacts/{contacts['fox'].pk}/")
    status = page.locator("[data-optout-status]")
    expect(status).to_contain_text("Allowed")
    page.get_by_label("Actions for Fox Mulder").click()
    page.get_by_role("menuitem", name="Opt out").click()
    expect(page.get_by_role("status").filter(has_text="Fox Mulder (+1 415-555-0124) is opted out")).to_be_visible()
    expect(status).to_contain_text("Opted out since")
    expect(status).to_contain_text("added by hand by Alice")
    expect(status).to_contain_text("Manual")
    expect(page.get_by_role("link", name="Send a text")).to_have_count(0)
