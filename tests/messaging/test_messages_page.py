"""The Messages page and Bulk send (issue 4): statuses explained, filter, bulk summary."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from messaging import services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method


def url(name: str) -> str:
    return reverse(f"messaging:{name}", kwargs={"slug": "acme"})


def row(page: str, message: Message) -> str:
    start = page.index(f'<tr data-message="{message.pk}"')
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def people(workspace, member):
    dana = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    fox = Contact.objects.create(workspace=workspace, name="Fox", phone="+14155550124")
    walter = Contact.objects.create(workspace=workspace, name="Walter", phone="+14155550125")
    Contact.objects.create(workspace=workspace, name="No phone")
    optout_services.opt_out(workspace=workspace, phone=walter.phone, method=Method.MANUAL, actor=member)
    return dana, fox, walter


def test_blocked_send_shows_failed_opted_out_with_its_explanation(member_client, workspace, member):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    blocked = services.send_message(workspace=workspace, to="+14155550123", body="Hi")
    cells = row(member_client.get(url("list")).content.decode(), blocked)
    assert "Failed — opted out" in cells
    assert "Opted out: this number is on your opt-out list, so emu.chat blocked the text." in cells


def test_each_failure_reason_is_explained_on_its_row(member_client, workspace):
    invalid = services.send_message(workspace=workspace, to="+14155550130", body="a")
    provider = services.send_message(workspace=workspace, to="+14155550131", body="b")
    Message.objects.filter(pk=invalid.pk).update(status="failed", failure_reason="invalid_number")
    Message.objects.filter(pk=provider.pk).update(
        status="failed", failure_reason="provider_error", error_message="Twilio said: queue overflow"
    )
    page = member_client.get(url("list")).content.decode()
    assert "Failed — invalid number" in row(page, invalid)
    assert "Invalid number: it can't receive texts" in row(page, invalid)
    assert "Failed — provider error" in row(page, provider)
    assert "Twilio said: queue overflow" in row(page, provider)


def test_help_panel_explains_every_status_and_failure_reason(member_client, workspace):
    page = member_client.get(url("list")).content.decode()
    panel = page[page.index('id="status-help"') : page.index("</details>", page.index('id="status-help"'))]
    for label in ("Queued", "Scheduled", "Sending", "Sent", "Delivered", "Failed", "Cancelled", "Received"):
        assert re.search(rf"<dt>{label}</dt><dd>\w", panel), label
    assert "Opted out: this number is on your opt-out list" in panel
    assert "Invalid number:" in panel
    assert "Provider error:" in panel


def test_status_filter_shows_only_that_status(member_client, workspace, member):
    queued = services.send_message(workspace=workspace, to="+14155550123", body="queued one")
    scheduled = services.send_message(
        workspace=workspace, to="+14155550124", body="later one", scheduled_for=timezone.now() + timedelta(hours=1)
    )
    page = member_client.get(url("list"), {"status": "scheduled"}).content.decode()
    assert f'data-message="{scheduled.pk}"' in page
    assert f'data-message="{queued.pk}"' not in page
    assert "for " in row(page, scheduled)  # when it will go
    everything = member_client.get(url("list")).content.decode()
    assert everything.index(f'data-message="{scheduled.pk}"') < everything.index(f'data-message="{queued.pk}"')


def test_cancelled_status_says_it_will_not_be_sent(member_client, workspace):
    message = services.send_message(workspace=workspace, to="+14155550123", body="x")
    services.cancel_pending_to(workspace=workspace, phones=["+14155550123"])
    cells = row(member_client.get(url("list")).content.decode(), message)
    assert "Cancelled" in cells and "it will not be sent" in cells


def test_bulk_send_page_lists_the_ticked_contacts_and_marks_opted_out_ones(member_client, people):
    dana, fox, walter = people
    page = member_client.get(url("bulk_send"), {"contacts": [dana.pk, walter.pk]}).content.decode()
    assert "Dana" in page and "Walter" in page and "Fox" not in page
    walter_label = page[page.index("Walter") :].split("</label>")[0]
    assert "Opted out — will be blocked" in walter_label
    assert "Opted out" not in page[page.index("Dana") :].split("</label>")[0]


def test_bulk_send_page_offers_groups_not_one_checkbox_per_contact(member_client, people):
    page = member_client.get(url("bulk_send")).content.decode()
    assert "All contacts with a number" in page and "(3)" in page
    assert "Numbers you paste" in page and "Numbers from a CSV file" in page
    assert 'name="contacts"' not in page


def _send(member_client, data: dict, *, confirm: bool = True):
    """Review only: the confirmed send is a background job (tests/messaging/test_bulk_send.py)."""
    return member_client.post(url("bulk_send"), data | ({"confirm": "1"} if confirm else {}), follow=True)


def test_review_says_how_many_will_be_blocked_and_sends_nothing(member_client, people):
    response = _send(member_client, {"audience": "all", "body": "Sale today"}, confirm=False)
    html = response.content.decode()
    assert "2 will be sent</strong> to 3 numbers" in html
    assert "1 will be blocked</strong> as opted out" in html
    assert "Nothing has been sent yet." in html
    assert ">Send to 2</button>" in html
    assert not Message.objects.exists()


def test_another_workspaces_upload_cannot_be_used(member_client, people, other_workspace):
    theirs = f"bulk-recipients/{other_workspace.pk}/{'a' * 32}.csv"
    response = _send(member_client, {"audience": "csv", "upload": theirs, "body": "x"})
    assert "That upload has expired" in response.content.decode()
    assert not Message.objects.exists()


def test_bulk_send_needs_recipients_and_a_message(member_client, people):
    response = member_client.post(url("bulk_send"), {"audience": "selected", "body": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"contacts", "body"}
    assert not Message.objects.exists()


def test_an_empty_group_is_explained(member_client, people):
    response = _send(member_client, {"audience": "search", "search": "Nobody here", "body": "Hi"})
    assert "That group has no phone numbers in it." in response.content.decode()
    assert not Message.objects.exists()


def test_bulk_send_refuses_contacts_of_another_workspace(member_client, other_workspace, people):
    foreign = Contact.objects.create(workspace=other_workspace, name="Elsewhere", phone="+447911123456")
    response = member_client.post(url("bulk_send"), {"audience": "selected", "contacts": [foreign.pk], "body": "Hi"})
    assert "contacts" in response.context["form"].errors
    assert not Message.objects.exists()


def test_outsider_sees_no_messages(outsider_client, workspace):
    services.send_message(workspace=workspace, to="+14155550123", body="private")
    assert outsider_client.get(url("list")).status_code == 404
    assert outsider_client.post(url("bulk_send"), {"body": "x"}).status_code == 404


def test_list_query_count_does_not_grow_with_rows_shown(member_client, workspace, member):
    def fill(count: int) -> int:
        Message.objects.all().delete()
        for n in range(count):
            message = services.send_message(workspace=workspace, to=f"+1415555{n:04d}", body=f"Hi {n}", actor=member)
            if n % 3 == 1:
                Message.objects.filter(pk=message.pk).update(status="failed", failure_reason="opted_out")
        with CaptureQueriesContext(connection) as captured:
            page = member_client.get(url("list")).content.decode()
        assert page.count("<tr data-message=") == count
        return len(captured.captured_queries)

    assert fill(4) == fill(40)
