"""A bulk send is one BulkSend, run as a background job with progress (issues 12 and 16, SPEC §13)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from messaging import bulk, services
from messaging.models import BulkSend, Message
from optouts import services as optout_services
from optouts.models import Method, OptOut


def url(name: str, **kwargs) -> str:
    return reverse(f"messaging:{name}", kwargs={"slug": "acme", **kwargs})


@pytest.fixture
def people(workspace, member):
    dana = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    fox = Contact.objects.create(workspace=workspace, name="Fox", phone="+14155550124")
    walter = Contact.objects.create(workspace=workspace, name="Walter", phone="+14155550125")
    Contact.objects.create(workspace=workspace, name="No phone")
    optout_services.opt_out(workspace=workspace, phone=walter.phone, method=Method.MANUAL, actor=member)
    return dana, fox, walter


@pytest.fixture
def confirm(member_client, django_capture_on_commit_callbacks):
    """Confirm a send from the page, let the job (and delivery) run after commit, open its page."""

    def send(data: dict) -> tuple[BulkSend, str]:
        with django_capture_on_commit_callbacks(execute=True):
            response = member_client.post(url("bulk_send"), data | {"confirm": "1"})
        assert response.status_code == 302, response.content.decode()[:2000]
        bulk_send = BulkSend.objects.get()
        assert response["Location"] == url("bulk_send_detail", pk=bulk_send.pk)
        return bulk_send, member_client.get(response["Location"]).content.decode()

    return send


def counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="([\w-]+)">([^<]*)<', page))


def test_confirming_returns_at_once_and_the_job_creates_the_texts(member_client, workspace, member, people):
    dana, fox, walter = people
    response = member_client.post(url("bulk_send"), {"audience": "all", "body": "Sale today", "confirm": "1"})
    bulk_send = BulkSend.objects.get()
    assert response.status_code == 302 and bulk_send.status == "pending"
    assert not Message.objects.exists()  # nothing is created in the request
    page = member_client.get(url("bulk_send_detail", pk=bulk_send.pk)).content.decode()
    assert "Waiting for a worker to start" in page
    assert f'data-poll="{url("bulk_send_detail", pk=bulk_send.pk)}"' in page

    finished = bulk.run(bulk_send.pk)
    assert finished.status == "succeeded" and finished.percent == 100
    texts = Message.objects.filter(bulk_send=bulk_send)
    assert dict(texts.values_list("to_phone", "status")) == {
        dana.phone: "queued",
        fox.phone: "queued",
        walter.phone: "failed",
    }
    assert set(texts.values_list("created_by", flat=True)) == {member.pk}
    assert bulk.run(bulk_send.pk) is None  # claimed once: a second delivery of the task does nothing


def test_the_bulk_send_page_counts_sent_blocked_and_failed(confirm, people, sms_outbox):
    bulk_send, page = confirm({"audience": "numbers", "numbers": "+14155550123\n+14155550125\n12", "body": "Hi"})
    assert counts(page) == {
        "recipients": "2",
        "sent": "1",
        "blocked": "1",
        "failed": "1",
        "opted-out-after": "0",
        "opt-out-rate": "0.00%",
    }
    assert [sms.to for sms in sms_outbox] == ["+14155550123"]
    assert "1 entry was not a valid number" in page


def test_a_stop_after_the_send_shows_in_its_opt_out_rate(client, confirm, people, workspace):
    from tests.support.twilio import inbound

    dana, fox, walter = people
    bulk_send, _ = confirm({"audience": "all", "body": "Big sale"})
    inbound(client, body="STOP", sid="SM-stop-1", from_=dana.phone)
    page = client.get(url("bulk_send_detail", pk=bulk_send.pk)).content.decode()
    assert counts(page)["sent"] == "2"
    assert counts(page)["opted-out-after"] == "1"
    assert counts(page)["opt-out-rate"] == "50.00%"
    assert "1 of them replied STOP to this send's text itself" in page
    optout = OptOut.objects.get(phone=dana.phone)
    assert optout.caused_by == Message.objects.get(bulk_send=bulk_send, to_phone=dana.phone)


def test_an_opt_out_from_before_the_send_does_not_count(confirm, people):
    bulk_send, page = confirm({"audience": "all", "body": "Big sale"})
    assert counts(page)["blocked"] == "1"  # Walter was on the list before: blocked, not "opted out after"
    assert counts(page)["opted-out-after"] == "0"


def test_a_search_a_paste_and_a_csv_each_become_one_bulk_send(confirm, member_client, workspace, people, settings):
    dana, fox, walter = people
    bulk_send, _ = confirm({"audience": "search", "search": "Fox", "body": "Just Fox"})
    assert list(bulk_send.messages.values_list("to_phone", flat=True)) == [fox.phone]
    BulkSend.objects.all().delete()

    pasted = "+14155550123\n(415) 555-0123, +14155550126; 12"
    bulk_send, page = confirm({"audience": "numbers", "numbers": pasted, "body": "Hi"})
    assert bulk_send.messages.count() == 3 and (bulk_send.invalid, bulk_send.duplicates) == (1, 1)
    BulkSend.objects.all().delete()

    csv_file = SimpleUploadedFile("list.csv", b"name,phone\nAnn,+14155550140\nWalt,+14155550125\n")
    review = member_client.post(url("bulk_send"), {"audience": "csv", "csv_file": csv_file, "body": "CSV hello"})
    upload = review.context["form"]["upload"].value()
    bulk_send, page = confirm({"audience": "csv", "upload": upload, "body": "CSV hello"})
    assert counts(page)["sent"] == "1" and counts(page)["blocked"] == "1"
    assert not (settings.MEDIA_ROOT / upload).exists()  # removed once the job has read it


def test_ticked_contacts_are_kept_as_ids_not_numbers(confirm, people):
    dana, fox, walter = people
    bulk_send, _ = confirm({"audience": "selected", "contacts": [dana.pk, walter.pk], "body": "Hi"})
    assert bulk_send.criteria == {"contacts": [dana.pk, walter.pk]}
    assert set(bulk_send.messages.values_list("to_phone", flat=True)) == {dana.phone, walter.phone}


def test_a_scheduled_bulk_send_schedules_its_texts(confirm, people):
    dana, fox, walter = people
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bulk_send, page = confirm({"audience": "all", "body": "Tomorrow", "scheduled_for": when})
    assert set(bulk_send.messages.values_list("status", flat=True)) == {"scheduled", "failed"}
    assert counts(page)["waiting"] == "2"


def test_the_job_writes_progress_batch_by_batch(workspace, member, monkeypatch):
    numbers = "\n".join(f"+1415555{n:04d}" for n in range(5))
    bulk_send = BulkSend.objects.create(
        workspace=workspace, body="Hi", audience="numbers", criteria={"numbers": numbers}, requested_by=member
    )
    seen: list[int] = []
    advance = bulk.jobs.advance

    def spy(job, **changes):
        if "processed" in changes:
            seen.append(changes["processed"])
        advance(job, **changes)

    monkeypatch.setattr(bulk, "BATCH", 2)
    monkeypatch.setattr(bulk.jobs, "advance", spy)
    bulk.run(bulk_send.pk)
    assert seen == [2, 4, 5, 5]
    assert Message.objects.filter(bulk_send=bulk_send).count() == 5


def test_a_job_taken_over_after_a_crash_texts_nobody_twice(workspace, member):
    bulk_send = BulkSend.objects.create(
        workspace=workspace, body="Hi", audience="numbers", criteria={"numbers": "+14155550130\n+14155550131"}
    )
    services.send_bulk(workspace=workspace, recipients=["+14155550130"], body="Hi", bulk_send=bulk_send)
    BulkSend.objects.filter(pk=bulk_send.pk).update(attempts=1)  # the first attempt died after one batch
    bulk.run(bulk_send.pk)
    assert sorted(bulk_send.messages.values_list("to_phone", flat=True)) == ["+14155550130", "+14155550131"]


def test_an_unexpected_error_hands_the_job_back_then_fails_it(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    bulk_send = BulkSend.objects.create(workspace=workspace, body="Hi", audience="all")

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(bulk.recipients, "resolve_criteria", broken)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bulk.run(bulk_send.pk)
    bulk_send.refresh_from_db()
    assert bulk_send.status == "pending" and len(callbacks) == 1
    BulkSend.objects.filter(pk=bulk_send.pk).update(attempts=3)
    BulkSend.objects.filter(pk=bulk_send.pk).update(status="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    assert bulk.reap() == (0, 1)
    bulk_send.refresh_from_db()
    assert bulk_send.status == "failed" and "3 tries" in bulk_send.error


def test_the_page_polls_its_fragment_while_the_job_runs(member_client, workspace, people):
    bulk_send = BulkSend.objects.create(
        workspace=workspace, body="Hi", audience="all", status="running", total=200, processed=50
    )
    fragment = member_client.get(url("bulk_send_detail", pk=bulk_send.pk), headers={"X-Requested-With": "fetch"})
    html = fragment.content.decode()
    assert "<h1>" not in html and "Creating texts: 50 of 200 recipients (25%)" in html
    assert 'aria-valuenow="25"' in html


def test_the_list_shows_each_bulk_send(confirm, member_client, people):
    bulk_send, _ = confirm({"audience": "all", "body": "Spring menu"})
    page = member_client.get(url("bulk_send_list")).content.decode()
    assert f"Bulk send #{bulk_send.pk}" in page and "Spring menu" in page
    recipients = member_client.get(url("list"), {"bulk_send": bulk_send.pk}).content.decode()
    assert recipients.count("<tr data-message=") == 3


def test_outsider_gets_404_on_bulk_send_pages(outsider_client, workspace):
    bulk_send = BulkSend.objects.create(workspace=workspace, body="private", audience="all")
    assert outsider_client.get(url("bulk_send_list")).status_code == 404
    assert outsider_client.get(url("bulk_send_detail", pk=bulk_send.pk)).status_code == 404


def test_another_workspaces_bulk_send_is_a_404(member_client, other_workspace, people):
    theirs = BulkSend.objects.create(workspace=other_workspace, body="theirs", audience="all")
    assert member_client.get(url("bulk_send_detail", pk=theirs.pk)).status_code == 404


def test_reviewing_all_contacts_costs_the_same_queries_at_any_size(member_client, workspace, member):
    def review(size: int) -> int:
        Contact.objects.all().delete()
        Contact.objects.bulk_create(
            [Contact(workspace=workspace, name=f"P{i}", phone=f"+1415555{i:04d}") for i in range(size)]
        )
        optout_services.opt_out(workspace=workspace, phone="+14155550001", method=Method.MANUAL, actor=member)
        with CaptureQueriesContext(connection) as captured:
            page = member_client.post(url("bulk_send"), {"audience": "all", "body": "Hi"}).content.decode()
        assert f"{size - 1:,} will be sent</strong> to {size:,} numbers" in page
        return len(captured.captured_queries)

    assert review(3) == review(300)


def test_a_body_that_is_too_long_is_refused_before_any_job(member_client, people):
    response = member_client.post(url("bulk_send"), {"audience": "all", "body": "x" * 1601, "confirm": "1"})
    assert response.status_code == 200 and not BulkSend.objects.exists()
