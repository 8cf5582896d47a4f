"""Contacts pages (issue 4): search, the Actions menu's Opt out / Opt in, the contact's opt-out status."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import services
from contacts.models import Contact
from messaging import services as messaging_services
from optouts import services as optout_services
from optouts.models import Method, OptOut, OptOutEvent


def url(name: str, **kwargs) -> str:
    return reverse(f"contacts:{name}", kwargs={"slug": "acme", **kwargs})


@pytest.fixture
def dana(workspace):
    return Contact.objects.create(workspace=workspace, name="Dana Scully", phone="+14155550123", email="d@x.org")


@pytest.fixture
def nophone(workspace):
    return Contact.objects.create(workspace=workspace, name="Walter Skinner", email="w@x.org")


def menu(page: str, contact: Contact) -> str:
    start = page.index(f'aria-label="Actions for {contact}"')
    return page[start : page.index("</details>", start)]


def test_list_shows_contacts_with_their_texting_state(member_client, workspace, dana, nophone, member):
    Contact.objects.create(workspace=workspace, name="Fox Mulder", phone="+14155550124")
    optout_services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)
    page = member_client.get(url("list")).content.decode()
    assert "+1 415-555-0123" in page
    row = lambda pk: page[page.index(f'data-contact="{pk}"') :].split("</tr>")[0]  # noqa: E731
    fox = Contact.objects.get(name="Fox Mulder")
    assert "Opted out" in row(fox.pk)
    assert "Allowed" in row(dana.pk)
    assert "No number" in row(nophone.pk)


@pytest.mark.parametrize("query", ["scully", "d@x.org", "415 555 0123", "(415) 555-0123"])
def test_search_by_name_email_or_number(member_client, workspace, dana, nophone, query):
    page = member_client.get(url("list"), {"q": query}).content.decode()
    assert "Dana Scully" in page
    assert "Walter Skinner" not in page


def test_actions_menu_offers_opt_out_for_a_number_that_may_be_texted(member_client, dana):
    items = menu(member_client.get(url("list")).content.decode(), dana)
    assert reverse("contacts:opt_out", kwargs={"slug": "acme", "pk": dana.pk}) in items
    assert ">Opt out</button>" in items
    assert ">Opt in…</a>" not in items


def test_opt_out_from_the_menu_opts_the_number_out_by_hand(member_client, workspace, dana, member):
    response = member_client.post(url("opt_out", pk=dana.pk), {"next": url("list")}, follow=True)
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550123")
    assert (optout.method, optout.created_by) == ("manual", member)
    page = response.content.decode()
    assert "Dana Scully (+1 415-555-0123) is opted out" in page
    assert ">Opt in…</a>" in menu(page, dana)
    message = messaging_services.send_message(workspace=workspace, to=dana.phone, body="Hi")
    assert message.failure_reason == "opted_out"


def test_opt_in_from_the_menu_takes_the_number_off_the_list(member_client, workspace, dana, member):
    optout_services.opt_out(workspace=workspace, phone=dana.phone, method=Method.IMPORT, actor=member)
    response = member_client.post(url("opt_in", pk=dana.pk), {"next": url("detail", pk=dana.pk)}, follow=True)
    assert not OptOut.objects.exists()
    assert "is opted in and can be texted again" in response.content.decode()
    assert response.request["PATH_INFO"] == url("detail", pk=dana.pk)
    event = OptOutEvent.objects.filter(action="opted_in").get()
    assert (event.actor, event.method) == (member, "manual")


def test_contact_without_a_number_has_a_disabled_opt_out_with_the_reason(member_client, nophone):
    items = menu(member_client.get(url("list")).content.decode(), nophone)
    assert re.search(r"<button[^>]*disabled[^>]*>Opt out</button>", items)
    assert "Unavailable: this contact has no phone number" in items
    assert "contacts:opt_out" not in items and "/opt-out/" not in items


def test_posting_opt_out_for_a_contact_without_a_number_changes_nothing(member_client, nophone):
    response = member_client.post(url("opt_out", pk=nophone.pk), follow=True)
    assert "has no phone number" in response.content.decode()
    assert not OptOut.objects.exists()


def test_next_outside_the_workspace_is_ignored(member_client, dana):
    response = member_client.post(url("opt_out", pk=dana.pk), {"next": "https://evil.example/"})
    assert response.url == url("list")


def test_contact_page_says_since_when_and_how_the_number_opted_out(member_client, workspace, dana):
    messaging_services.receive_message(to="+14155550100", from_=dana.phone, body="STOP please", provider_sid="SM1")
    optout = OptOut.objects.get()
    page = member_client.get(url("detail", pk=dana.pk)).content.decode()
    status = page[page.index("data-optout-status") :].split("</dd>")[0]
    assert "Opted out" in status
    assert f"since {optout.created_at:%-d %b %Y, %H:%M}" in status
    assert "they replied “STOP please”" in status
    assert "Reply" in status


def test_contact_page_and_opt_outs_list_say_how_long_ago_in_the_same_words(member_client, workspace, dana, member):
    from datetime import timedelta

    from django.utils import timezone

    optout_services.opt_out(workspace=workspace, phone=dana.phone, method=Method.MANUAL, actor=member)
    OptOut.objects.update(created_at=timezone.now() - timedelta(days=3, hours=2))
    contact_page = member_client.get(url("detail", pk=dana.pk)).content.decode()
    list_page = member_client.get(reverse("optouts:list", kwargs={"slug": workspace.slug})).content.decode()
    assert ">3 days ago</time>)" in contact_page
    assert ">3 days ago</time>" in list_page


def test_contact_page_names_who_opted_a_number_out_by_hand(member_client, workspace, dana, member):
    services.opt_out_contact(workspace=workspace, contact=dana, actor=member)
    page = member_client.get(url("detail", pk=dana.pk)).content.decode()
    status = page[page.index("data-optout-status") :].split("</dd>")[0]
    assert "added by hand by Alice" in re.sub(r"<[^>]+>", "", status)
    assert 'title="Username: alice">Alice<' in status


def test_contact_page_of_a_number_that_may_be_texted_says_allowed(member_client, dana):
    page = member_client.get(url("detail", pk=dana.pk)).content.decode()
    assert "this number is not on the opt-out list" in page
    assert "Send a text" in page


def test_opting_out_a_contact_covers_every_contact_sharing_the_number(member_client, workspace, dana, member):
    twin = Contact.objects.create(workspace=workspace, name="Dana's phone", phone=dana.phone)
    member_client.post(url("opt_out", pk=dana.pk))
    page = member_client.get(url("detail", pk=twin.pk)).content.decode()
    assert "Opted out" in page[page.index("data-optout-status") :].split("</dd>")[0]


def test_contact_services_refuse_a_contact_of_another_workspace(workspace, other_workspace, member):
    foreign = Contact.objects.create(workspace=other_workspace, name="Elsewhere", phone="+447911123456")
    with pytest.raises(ValidationError):
        services.opt_out_contact(workspace=workspace, contact=foreign, actor=member)
    assert not OptOut.objects.exists()


def test_create_and_edit_a_contact_with_a_national_number(member_client, workspace):
    response = member_client.post(url("create"), {"name": "Gina", "phone": "(415) 555-0177", "email": ""})
    gina = Contact.objects.get(name="Gina")
    assert gina.phone == "+14155550177"
    assert response.url == url("detail", pk=gina.pk)
    bad = member_client.post(url("edit", pk=gina.pk), {"name": "Gina", "phone": "12", "email": ""})
    assert "is not a valid phone number" in bad.content.decode()
    gina.refresh_from_db()
    assert gina.phone == "+14155550177"


def test_ticked_contacts_open_bulk_send_with_them_selected(member_client, workspace, dana):
    other = Contact.objects.create(workspace=workspace, name="Fox", phone="+14155550124")
    page = member_client.get(url("list")).content.decode()
    assert 'form="bulk-select"' in page
    bulk = member_client.get(reverse("messaging:bulk_send", kwargs={"slug": "acme"}), {"contacts": [dana.pk]})
    html = bulk.content.decode()
    assert re.search(rf'value="{dana.pk}"[^>]*checked', html)
    assert not re.search(rf'value="{other.pk}"[^>]*checked', html)


def test_outsider_cannot_opt_out_our_contacts(outsider_client, dana):
    assert outsider_client.post(url("opt_out", pk=dana.pk)).status_code == 404
    assert not OptOut.objects.exists()


def test_list_query_count_does_not_grow_with_rows_shown(member_client, workspace, member):
    def fill(count: int) -> int:
        Contact.objects.all().delete()
        OptOut.objects.all().delete()
        for n in range(count):
            phone = f"+1415555{n:04d}" if n % 4 else ""
            Contact.objects.create(workspace=workspace, name=f"Person {n}", phone=phone)
            if phone and n % 3 == 1:
                optout_services.opt_out(workspace=workspace, phone=phone, method=Method.MANUAL, actor=member)
        with CaptureQueriesContext(connection) as captured:
            page = member_client.get(url("list")).content.decode()
        assert page.count("<tr data-contact=") == count
        return len(captured.captured_queries)

    assert fill(4) == fill(40)
