"""Issue 13 item 10: every member page and every public page, at 1366 and 375 px, has no axe finding.

The pages are listed from the URL configuration: a new URL name fails
``test_every_page_is_listed`` until it is added to ``PAGES`` (a page to check) or
``NOT_PAGES`` (a POST-only action or a file download, which must then refuse a GET
or send a file). Each page is opened with data that fills it (a conversation, every
kind of opt-out, jobs, an invitation, a token, a review item), checked with axe-core
(tests/support/axe.py), then checked again with its first menu open.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files import File
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from api import services as api_services
from compliance import links
from compliance.models import LikelyOptOut, OptOutLink
from contacts.models import Contact
from conversations.models import Conversation
from imports import services as import_services
from imports.models import ImportJob
from messaging import services as messaging_services
from messaging.bulk import start_bulk_send
from messaging.models import Message
from optouts import exports
from optouts import services as optout_services
from optouts.models import ExportJob, Method, OptOut
from tests.conftest import make_user
from tests.support.axe import assert_accessible
from tests.support.browser import wait_until_settled_on_a_phone
from workspaces import services as workspace_services
from workspaces.models import Invitation

# Committed data: the jobs, the export and the invitation email run on commit, as in production.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 800}
NAMESPACES = {
    "workspaces",
    "compliance",
    "optouts",
    "contacts",
    "conversations",
    "messaging",
    "api_tokens",
    "links",
}
ACCOUNT_PAGES = {
    "home",
    "favicon",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
}
ACCOUNT_PAGES |= {"password_reset_complete", "password_change", "password_change_done"}

# Names that are not pages: a GET is refused (405) or answers with a file or a redirect.
NOT_PAGES = {
    "logout": "POST only (Django's LogoutView)",
    "favicon": "a redirect to the icon",
    "workspaces:invite": "POST only",
    "workspaces:member_role": "POST only",
    "workspaces:invitation_resend": "POST only",
    "workspaces:sender_number_wire": "POST only",
    "compliance:review_opt_out": "POST only",
    "compliance:review_dismiss": "POST only",
    "conversations:opt_out": "POST only",
    "contacts:opt_out": "POST only",
    "messaging:sender_rate": "POST only",
    "optouts:import_invalid": "a CSV download",
    "contacts:import_invalid": "a CSV download",
    "optouts:export_download": "a CSV download",
    "optouts:evidence": "a ZIP download",
    "workspaces:quiet_hours": "POST only (its form is on Settings)",
}


@dataclass
class Seen:
    """What the pages are opened with."""

    ids: dict[str, int] = field(default_factory=dict)
    invite_token: str = ""
    link_code: str = ""


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver, namespace: str = "") -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(part for part in (namespace, entry.namespace) if part)
                walk(entry, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                if namespace in NAMESPACES or (not namespace and entry.name in ACCOUNT_PAGES):
                    names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver())
    return names


def _csv(tmp_path, name: str, rows: list[list[str]]):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _import(workspace, member, path, kind: str, *, start: bool) -> ImportJob:
    with open(path, "rb") as handle:
        job = import_services.create_import(
            workspace=workspace, kind=kind, upload=File(handle, name=path.name), actor=member
        )
    if start:
        import_services.start_import(
            job=job, phone_column=job.phone_index, name_column=job.name_index, email_column=job.email_index
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def seen(workspace, member, teammate, tmp_path) -> Seen:
    """A workspace with something on every page."""
    s = Seen()
    dana = Contact.objects.create(workspace=workspace, name="Dana Reyes", phone="+14155550123", email="d@example.com")
    Contact.objects.create(workspace=workspace, name="Walk-in Wendy")
    Contact.objects.create(workspace=workspace, name="Fox Mulder", phone="+14155550124")
    messaging_services.send_message(workspace=workspace, to=dana.phone, body="Your order is ready", actor=member)
    messaging_services.receive_message(to="+14155550100", from_=dana.phone, body="Thanks!", provider_sid="SM1")
    messaging_services.send_message(
        workspace=workspace,
        to="+14155550124",
        body="See you tomorrow",
        actor=member,
        scheduled_for=timezone.now() + timedelta(days=1),
    )
    messaging_services.receive_message(
        to="+14155550100", from_="+14155550125", body="please stop texting me", provider_sid="SM2"
    )
    messaging_services.receive_message(to="+14155550100", from_="+14155550126", body="STOP", provider_sid="SM3")
    optout_services.opt_out(
        workspace=workspace, phone="+14155550127", method=Method.MANUAL, reason="Asked in store", actor=member
    )
    optout_services.opt_out(workspace=workspace, phone="+447911123456", method=Method.MANUAL, actor=teammate)
    link = OptOutLink.objects.get(code=links.code_for(workspace=workspace, phone="+14155550128"))
    from compliance.services import opt_out_by_link

    opt_out_by_link(link=link)
    s.link_code = links.code_for(workspace=workspace, phone="+14155550129")
    optout_job = _import(
        workspace, member, _csv(tmp_path, "old.csv", [["phone"], ["+14155550130"], ["nope"]]), "optouts", start=True
    )
    contacts_job = _import(
        workspace,
        member,
        _csv(tmp_path, "people.csv", [["name", "phone"], ["Gina", "+14155550131"], ["Bad", "x"]]),
        "contacts",
        start=True,
    )
    optout_map = _import(
        workspace, member, _csv(tmp_path, "more.csv", [["phone"], ["+14155550132"]]), "optouts", start=False
    )
    contacts_map = _import(
        workspace,
        member,
        _csv(tmp_path, "more-people.csv", [["name", "phone"], ["Hal", "+14155550133"]]),
        "contacts",
        start=False,
    )
    export = exports.start_export(workspace=workspace, actor=member)
    bulk_send = start_bulk_send(
        workspace=workspace, audience="all", criteria={}, body="Sale this weekend", actor=member
    )
    workspace_services.invite(workspace=workspace, email="erin@example.com", role="member", actor=member)
    s.invite_token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)
    token, _ = api_services.create_token(workspace=workspace, name="Shop CRM", actor=member)
    teammate_membership = workspace.memberships.get(user=teammate)
    sender = workspace.sender_numbers.get()
    s.ids = {
        "contact": dana.pk,
        "conversation": Conversation.objects.get(phone=dana.phone).pk,
        "conversation_opted_out": Conversation.objects.get(phone="+14155550126").pk,
        "manual": OptOut.objects.get(phone="+14155550127").pk,
        "reply": OptOut.objects.get(method=Method.REPLY).pk,
        "optout_job": optout_job.pk,
        "contacts_job": contacts_job.pk,
        "optout_map": optout_map.pk,
        "contacts_map": contacts_map.pk,
        "export": export.pk,
        "invitation": Invitation.objects.get().pk,
        "token": token.pk,
        "membership": teammate_membership.pk,
        "sender": sender.pk,
        "bulk_send": bulk_send.pk,
    }
    assert LikelyOptOut.objects.filter(status="pending").exists()
    assert ExportJob.objects.get(pk=export.pk).status == "succeeded"
    assert Message.objects.filter(status="scheduled").exists()
    return s


def _member_pages(s: Seen) -> dict[str, str]:
    """URL name → address for the member pages (signed in as Alice, an owner)."""
    i = s.ids

    def w(name: str, **kwargs) -> str:
        return reverse(name, kwargs={"slug": "acme", **kwargs})

    return {
        "workspaces:create": reverse("workspaces:create"),
        "workspaces:settings": w("workspaces:settings"),
        "workspaces:members": w("workspaces:members"),
        "workspaces:member_remove": w("workspaces:member_remove", pk=i["membership"]),
        "workspaces:invitation_revoke": w("workspaces:invitation_revoke", pk=i["invitation"]),
        "workspaces:sender_numbers": w("workspaces:sender_numbers"),
        "workspaces:sender_number_remove": w("workspaces:sender_number_remove", pk=i["sender"]),
        "compliance:settings": w("compliance:settings"),
        "compliance:review": w("compliance:review"),
        "optouts:list": w("optouts:list"),
        "optouts:add": w("optouts:add"),
        "optouts:edit": w("optouts:edit", pk=i["manual"]),
        "optouts:edit (a Reply entry, read-only)": w("optouts:edit", pk=i["reply"]),
        "optouts:remove": w("optouts:remove", pk=i["manual"]),
        "optouts:history": w("optouts:history", phone="+14155550127"),
        "optouts:import": w("optouts:import"),
        "optouts:import_job": w("optouts:import_job", pk=i["optout_job"]),
        "optouts:import_map": w("optouts:import_map", pk=i["optout_map"]),
        "optouts:export": w("optouts:export"),
        "optouts:export_job": w("optouts:export_job", pk=i["export"]),
        "contacts:list": w("contacts:list"),
        "contacts:create": w("contacts:create"),
        "contacts:detail": w("contacts:detail", pk=i["contact"]),
        "contacts:edit": w("contacts:edit", pk=i["contact"]),
        "contacts:opt_in": w("contacts:opt_in", pk=i["contact"]),
        "contacts:import": w("contacts:import"),
        "contacts:import_job": w("contacts:import_job", pk=i["contacts_job"]),
        "contacts:import_map": w("contacts:import_map", pk=i["contacts_map"]),
        "conversations:list": w("conversations:list"),
        "conversations:new": w("conversations:new"),
        "conversations:detail": w("conversations:detail", pk=i["conversation"]),
        "conversations:detail (opted out)": w("conversations:detail", pk=i["conversation_opted_out"]),
        "conversations:opt_in": w("conversations:opt_in", pk=i["conversation_opted_out"]),
        "messaging:list": w("messaging:list"),
        "messaging:bulk_send": w("messaging:bulk_send"),
        "messaging:bulk_send_list": w("messaging:bulk_send_list"),
        "messaging:bulk_send_detail": w("messaging:bulk_send_detail", pk=i["bulk_send"]),
        "optouts:consent_add": w("optouts:consent_add", phone="+14155550127"),
        "api_tokens:list": w("api_tokens:list"),
        "api_tokens:revoke": w("api_tokens:revoke", pk=i["token"]),
        "password_change": reverse("password_change"),
        "password_change_done": reverse("password_change_done"),
        "home (a user with no workspace)": reverse("home"),
    }


def _public_pages(s: Seen, member) -> dict[str, str]:
    """URL name → address for the pages a visitor sees signed out."""
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    return {
        "login": reverse("login"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_confirm": reverse(
            "password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(member)}
        ),
        "password_reset_complete": reverse("password_reset_complete"),
        "workspaces:accept_invite": reverse("workspaces:accept_invite", kwargs={"token": s.invite_token}),
        "workspaces:accept_invite (a used link)": reverse("workspaces:accept_invite", kwargs={"token": "used"}),
        "links:optout": reverse("links:optout", kwargs={"code": s.link_code}),
        "links:optout (an unknown code)": reverse("links:optout", kwargs={"code": "NoSuchCode1"}),
    }


def _base(label: str) -> str:
    return label.split(" (", 1)[0]


def test_every_page_is_listed(seen, member):
    listed = {_base(label) for label in [*_member_pages(seen), *_public_pages(seen, member)]}
    listed.add("home")  # also visited by a member with a workspace (it redirects to Opt-Outs)
    missing = _url_names() - listed - set(NOT_PAGES)
    assert not missing, f"add these URL names to PAGES or NOT_PAGES in {__name__}: {sorted(missing)}"
    assert not (listed & set(NOT_PAGES))


@pytest.mark.parametrize("name", sorted(NOT_PAGES))
def test_what_is_not_a_page_refuses_a_get_or_sends_a_file(seen, member, client, name):
    client.force_login(member)
    i = seen.ids
    kwargs = {
        "logout": {},
        "favicon": {},
        "workspaces:invite": {},
        "workspaces:member_role": {"pk": i["membership"]},
        "workspaces:invitation_resend": {"pk": i["invitation"]},
        "workspaces:sender_number_wire": {"pk": i["sender"]},
        "compliance:review_opt_out": {"pk": LikelyOptOut.objects.get().pk},
        "compliance:review_dismiss": {"pk": LikelyOptOut.objects.get().pk},
        "conversations:opt_out": {"pk": i["conversation"]},
        "contacts:opt_out": {"pk": i["contact"]},
        "messaging:sender_rate": {"pk": i["sender"]},
        "optouts:import_invalid": {"pk": i["optout_job"]},
        "contacts:import_invalid": {"pk": i["contacts_job"]},
        "optouts:export_download": {"pk": i["export"]},
        "optouts:evidence": {"phone": "+14155550127"},
        "workspaces:quiet_hours": {},
    }[name]
    if name not in ("logout", "favicon"):
        kwargs["slug"] = "acme"
    response = client.get(reverse(name, kwargs=kwargs))
    if name == "favicon":
        assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    elif "ZIP download" in NOT_PAGES[name]:
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    elif "download" in NOT_PAGES[name]:
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    else:
        assert response.status_code == 405


WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def _check(page, screenshot, label: str, width: str) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    # Nothing runs sideways on a phone (the message names what sticks out).
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"], (label, wide)
    expect(page.locator("a.skip-link")).to_have_count(1)
    assert_accessible(page, f"{label} at {width} px")
    screenshot(f"every-page-{slug}-{width}")
    menu = page.locator("main details.menu > summary").first
    if menu.count():
        menu.click()
        expect(menu.locator("xpath=..")).to_have_attribute("open", "")
        assert_accessible(page, f"{label} at {width} px, its first menu open")
        page.keyboard.press("Escape")


@pytest.mark.parametrize(("size", "width"), [(DESKTOP, "1366"), (PHONE, "375")])
def test_every_member_page_has_no_axe_finding(page, logged_in, app_url, seen, member, screenshot, size, width):
    page.set_viewport_size(size)
    logged_in(member)
    for label, path in _member_pages(seen).items():
        if label.startswith("home"):
            continue
        response = page.goto(app_url + path)
        assert response.status == 200, f"{label}: {response.status}"
        if size is PHONE:
            wait_until_settled_on_a_phone(page)
        _check(page, screenshot, label, width)
    # A member (not an owner) on an owners' page, and a user without a workspace.
    page.context.clear_cookies()
    logged_in(make_user("zed", "Zed"))
    page.goto(app_url + reverse("home"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check(page, screenshot, "home (no workspace)", width)


@pytest.mark.parametrize(("size", "width"), [(DESKTOP, "1366"), (PHONE, "375")])
def test_the_owners_only_page_has_no_axe_finding(page, logged_in, app_url, seen, teammate, screenshot, size, width):
    page.set_viewport_size(size)
    response = logged_in(teammate).goto(app_url + reverse("workspaces:settings", kwargs={"slug": "acme"}))
    assert response.status == 403
    if size is PHONE:
        wait_until_settled_on_a_phone(page)
    _check(page, screenshot, "owners only", width)


@pytest.mark.parametrize(("size", "width"), [(DESKTOP, "1366"), (PHONE, "375")])
def test_every_public_page_has_no_axe_finding(page, app_url, seen, member, screenshot, size, width):
    page.set_viewport_size(size)
    for label, path in _public_pages(seen, member).items():
        response = page.goto(app_url + path)
        assert response.status in (200, 404, 410), f"{label}: {response.status}"
        _check(page, screenshot, label, width)
    # The link page after the recipient confirms.
    page.goto(app_url + reverse("links:optout", kwargs={"code": seen.link_code}))
    page.get_by_role("button", name="Stop texts").click()
    expect(page.get_by_role("status")).to_contain_text("will no longer text")
    _check(page, screenshot, "links:optout (done)", width)
