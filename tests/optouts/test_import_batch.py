"""The import's writer (SPEC §8): numbers arrive as E.164, each added one gets its event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Message
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent

A, B = "+14155550123", "+14155550124"


def test_an_import_batch_adds_new_numbers_counts_listed_ones_and_writes_one_event_each(workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)

    counts = services.import_batch(
        workspace=workspace, phones=["+14155550123", "+14155550124", "+14155550123"], reason="Old list", actor=member
    )

    assert counts == (1, 1)
    added = OptOut.objects.get(phone="+14155550123")
    assert (added.method, added.reason, added.created_by) == ("import", "Old list", member)
    assert OptOut.objects.get(phone="+14155550124").method == "manual"  # an existing entry keeps its own
    event = OptOutEvent.objects.get(method="import")
    assert (event.phone, event.action, event.actor, event.details) == (
        "+14155550123",
        "opted_out",
        member,
        {"import_id": None, "reason": "Old list"},
    )


def test_an_import_batch_refuses_a_number_not_passed_through_phones_first(workspace):
    with pytest.raises(ValidationError, match="“415 555 0123” is not an E.164 number"):
        services.import_batch(workspace=workspace, phones=["+14155550123", "415 555 0123"])
    assert not OptOut.objects.exists()


def test_an_empty_import_batch_writes_nothing(workspace, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.import_batch(workspace=workspace, phones=[]) == (0, 0)


def test_an_import_adds_a_number_that_only_another_workspace_lists(workspace, other_workspace, member):
    services.opt_out(workspace=other_workspace, phone="+14155550123", method=Method.MANUAL)

    assert services.import_batch(workspace=workspace, phones=["+14155550123"], actor=member) == (1, 0)

    assert services.is_opted_out(workspace=workspace, phone="+14155550123")


def test_an_import_without_a_reason_stores_an_empty_one(workspace):
    services.import_batch(workspace=workspace, phones=["+14155550123"])

    assert OptOut.objects.get().reason == ""
    assert OptOutEvent.objects.get().details["reason"] == ""


@pytest.fixture
def job(workspace, member):
    return workspace.import_jobs.create(requested_by=member, reason="old list")


def _waiting(workspace, *numbers: str) -> list[int]:
    later = timezone.now() + timedelta(days=1)
    return [
        messaging_services.send_message(workspace=workspace, to=number, body="Sale", scheduled_for=later).pk
        for number in numbers
    ]


def test_each_entry_an_import_adds_points_at_that_import(workspace, member, job):
    services.import_batch(workspace=workspace, phones=[A, B], reason="old list", actor=member, import_job=job)
    assert {o.phone: o.import_job for o in OptOut.objects.all()} == {A: job, B: job}


def test_the_texts_an_import_cancels_add_up_on_the_import_batch_after_batch(workspace, member, job):
    waiting = _waiting(workspace, A, A, B)

    services.import_batch(workspace=workspace, phones=[A], actor=member, import_job=job)
    job.refresh_from_db()
    assert job.cancelled_texts == 2
    services.import_batch(workspace=workspace, phones=[B, "+447911123456"], actor=member, import_job=job)
    job.refresh_from_db()
    assert job.cancelled_texts == 3
    assert set(Message.objects.filter(pk__in=waiting).values_list("status", flat=True)) == {"cancelled"}


def test_an_import_batch_without_a_job_still_cancels_the_waiting_texts(workspace, member):
    (waiting,) = _waiting(workspace, A)
    assert services.import_batch(workspace=workspace, phones=[A], actor=member) == (1, 0)
    assert Message.objects.get(pk=waiting).status == "cancelled"
