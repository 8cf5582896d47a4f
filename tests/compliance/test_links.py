from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import links
from compliance.models import OptOutLink
from contacts.models import Contact
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services

LINK = re.compile(r"https://emu\.example\.com/o/([A-Za-z0-9_-]+)")


def _code_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def test_a_code_is_eight_url_safe_characters_of_48_random_bits():
    codes = {links.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{8}", code) for code in codes)


def test_single_send_expands_the_placeholder_to_the_numbers_own_link(workspace, sms_outbox):
    message = messaging_services.send_message(
        workspace=workspace, to="(415) 555-0123", body="Sale on! Opt out: {opt_out_link}"
    )
    assert "{opt_out_link}" not in message.body
    code = _code_in(message.body)
    assert message.body == f"Sale on! Opt out: https://emu.example.com/o/{code}"
    link = OptOutLink.objects.get(code=code)
    assert (link.workspace, link.phone) == (workspace, "+14155550123")


def test_the_same_number_keeps_its_code_across_sends(workspace):
    first = messaging_services.send_message(workspace=workspace, to="+14155550123", body="A {opt_out_link}")
    second = messaging_services.send_message(workspace=workspace, to="415 555 0123", body="B {opt_out_link}")
    assert _code_in(first.body) == _code_in(second.body)
    assert OptOutLink.objects.count() == 1


def test_every_placeholder_in_a_body_is_expanded(workspace):
    message = messaging_services.send_message(
        workspace=workspace, to="+14155550123", body="{opt_out_link} and again {opt_out_link}"
    )
    assert message.body.count("https://emu.example.com/o/") == 2


def test_a_body_without_the_placeholder_creates_no_code(workspace):
    messaging_services.send_message(workspace=workspace, to="+14155550123", body="Hello there")
    assert not OptOutLink.objects.exists()


def test_the_same_number_gets_a_different_code_in_another_workspace(workspace, other_workspace):
    ours = messaging_services.send_message(workspace=workspace, to="+14155550123", body="{opt_out_link}")
    theirs = messaging_services.send_message(workspace=other_workspace, to="+14155550123", body="{opt_out_link}")
    assert _code_in(ours.body) != _code_in(theirs.body)
    assert OptOutLink.objects.get(code=_code_in(theirs.body)).workspace == other_workspace


def test_bulk_send_gives_each_recipient_their_own_link(workspace, sms_outbox, django_capture_on_commit_callbacks):
    contacts = [
        Contact.objects.create(workspace=workspace, name=f"C{i}", phone=f"+1415555{i:04d}") for i in range(1, 6)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        sent = messaging_services.send_bulk(workspace=workspace, recipients=contacts, body="News. Stop: {opt_out_link}")
    codes = {m.to_phone: _code_in(m.body) for m in sent}
    assert len(set(codes.values())) == 5
    stored = dict(OptOutLink.objects.filter(workspace=workspace).values_list("phone", "code"))
    assert stored == codes
    # What reached the provider is the expanded text, one link per recipient.
    assert sorted(sms.body for sms in sms_outbox) == sorted(m.body for m in sent)


def test_bulk_send_reuses_codes_made_by_earlier_sends(workspace):
    earlier = messaging_services.send_message(workspace=workspace, to="+14155550001", body="{opt_out_link}")
    sent = messaging_services.send_bulk(
        workspace=workspace, recipients=["+14155550001", "+14155550002"], body="{opt_out_link}"
    )
    by_phone = {m.to_phone: _code_in(m.body) for m in sent}
    assert by_phone["+14155550001"] == _code_in(earlier.body)
    assert OptOutLink.objects.count() == 2


def test_bulk_link_codes_cost_the_same_queries_for_10_or_200_recipients(workspace):
    def queries_for(count: int, offset: int) -> tuple[int, int]:
        numbers = [f"+1415556{offset + i:04d}" for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            messaging_services.send_bulk(workspace=workspace, recipients=numbers, body="Hi {opt_out_link}")
        links = sum(OptOutLink._meta.db_table in q["sql"] for q in captured.captured_queries)
        return links, len(captured)

    small_links, small_total = queries_for(10, 5000)
    large_links, large_total = queries_for(200, 1000)
    assert large_links == small_links
    # Writes are batched (SQLite caps the rows per INSERT): never a query per recipient.
    assert large_total < small_total + 20


def test_blocked_and_invalid_recipients_are_still_reported_in_a_link_bulk_send(workspace):
    optout_services.opt_out(workspace=workspace, phone="+14155550002", method="manual")
    sent = messaging_services.send_bulk(
        workspace=workspace, recipients=["+14155550001", "+14155550002", "not a number"], body="{opt_out_link}"
    )
    outcome = {m.to_phone: (m.status, m.failure_reason) for m in sent}
    assert outcome["+14155550001"] == ("queued", "")
    assert outcome["+14155550002"] == ("failed", "opted_out")
    assert outcome["not a number"] == ("failed", "invalid_number")


def test_scheduled_single_send_is_stored_with_the_link_and_sent_with_it(workspace, sms_outbox):
    later = timezone.now() + timedelta(hours=1)
    message = messaging_services.send_message(
        workspace=workspace, to="+14155550123", body="Tomorrow! {opt_out_link}", scheduled_for=later
    )
    assert message.status == "scheduled"
    code = _code_in(message.body)
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))
    messaging_services.dispatch_due()
    messaging_services.deliver(message.pk)
    assert [sms.body for sms in sms_outbox] == [f"Tomorrow! https://emu.example.com/o/{code}"]


def test_scheduled_bulk_send_expands_links_for_every_recipient(workspace):
    later = timezone.now() + timedelta(hours=1)
    sent = messaging_services.send_bulk(
        workspace=workspace, recipients=["+14155550001", "+14155550002"], body="{opt_out_link}", scheduled_for=later
    )
    assert {m.status for m in sent} == {"scheduled"}
    assert len({_code_in(m.body) for m in sent}) == 2


def test_a_body_that_would_be_too_long_with_its_link_is_refused(workspace):
    body = "x" * (messaging_services.MAX_BODY_LENGTH - 5) + "{opt_out_link}"
    with pytest.raises(ValidationError, match="A text can be at most 1600 characters"):
        messaging_services.send_message(workspace=workspace, to="+14155550123", body=body)
    with pytest.raises(ValidationError, match="A text can be at most 1600 characters"):
        messaging_services.send_bulk(workspace=workspace, recipients=["+14155550123"], body=body)
    assert not Message.objects.exists()


def test_codes_for_returns_existing_codes_and_creates_only_missing_ones(workspace):
    first = links.codes_for(workspace=workspace, phones=["+14155550001", "+14155550002"])
    again = links.codes_for(workspace=workspace, phones=["+14155550002", "+14155550003", "+14155550001"])
    assert again["+14155550001"] == first["+14155550001"]
    assert again["+14155550002"] == first["+14155550002"]
    assert OptOutLink.objects.count() == 3


def test_a_colliding_code_is_retried_with_a_fresh_one(workspace, monkeypatch):
    OptOutLink.objects.create(workspace=workspace, phone="+14155550009", code="SAMECODE")
    fresh = iter(["SAMECODE", "NEWCODE1"])
    monkeypatch.setattr(links, "new_code", lambda: next(fresh))
    codes = links.codes_for(workspace=workspace, phones=["+14155550001"])
    assert codes == {"+14155550001": "NEWCODE1"}
