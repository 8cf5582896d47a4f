from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from optouts import services
from optouts.models import Method, OptOut, OptOutEvent

REPLY_REFUSED = "A Reply opt-out is only created by a recipient's keyword reply"


def test_manual_opt_out_stores_e164_and_records_an_event(workspace, member):
    optout = services.opt_out(
        workspace=workspace, phone="(415) 555-0123", method=Method.MANUAL, reason="Asked on the phone", actor=member
    )
    assert optout.phone == "+14155550123"
    assert optout.created_by == member
    event = OptOutEvent.objects.get(workspace=workspace, phone="+14155550123")
    assert (event.action, event.method, event.actor) == ("opted_out", "manual", member)
    assert event.details["reason"] == "Asked on the phone"


def test_invalid_number_is_rejected_and_nothing_is_stored(workspace, member):
    with pytest.raises(ValidationError, match="not a valid phone number"):
        services.opt_out(workspace=workspace, phone="555-CALL-NOW", method=Method.MANUAL, actor=member)
    assert not OptOut.objects.exists()
    assert not OptOutEvent.objects.exists()


def test_repeat_opt_out_keeps_the_entry_and_records_an_event(workspace, member):
    first = services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    again = services.opt_out(workspace=workspace, phone="415 555 0123", method=Method.IMPORT, actor=member)
    assert again.pk == first.pk
    assert again.method == "manual"
    events = list(OptOutEvent.objects.order_by("id"))
    assert len(events) == 2
    assert events[1].details["already_opted_out"] is True


def test_add_opt_out_refuses_a_number_already_on_the_list(workspace, member):
    services.add_opt_out(workspace=workspace, phone="+14155550123", actor=member)
    with pytest.raises(ValidationError, match="is already opted out") as caught:
        services.add_opt_out(workspace=workspace, phone="(415) 555-0123", actor=member)
    assert "already opted out" in caught.value.message_dict["phone"][0]
    assert OptOut.objects.count() == 1


@pytest.mark.parametrize("method", ["reply"])
def test_reply_method_needs_an_inbound_message_of_the_workspace(workspace, member, method, text):
    with pytest.raises(ValidationError, match=REPLY_REFUSED):
        services.opt_out(workspace=workspace, phone="+14155550123", method=method, actor=member)
    with pytest.raises(ValidationError, match=REPLY_REFUSED):
        services.opt_out(workspace=workspace, phone="+14155550123", method=method)
    outbound = text("outbound", "hi")
    with pytest.raises(ValidationError, match=REPLY_REFUSED):
        services.opt_out(workspace=workspace, phone="+14155550123", method=method, source_message=outbound)
    assert not OptOut.objects.exists()


def test_reply_from_another_workspace_message_is_refused(workspace, other_workspace, text):
    foreign = text("inbound", "STOP", to_workspace=other_workspace, ours="+447700900100")
    with pytest.raises(ValidationError, match=REPLY_REFUSED):
        services.opt_out(workspace=workspace, phone="+14155550123", method="reply", source_message=foreign)


def test_unknown_method_is_refused(workspace):
    with pytest.raises(ValidationError, match="not an opt-out method"):
        services.opt_out(workspace=workspace, phone="+14155550123", method="carrier")


def test_opt_in_removes_the_entry_and_records_it(workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.IMPORT, actor=member)
    assert services.opt_in(workspace=workspace, phone="+1 (415) 555-0123", actor=member) is True
    assert not services.is_opted_out(workspace=workspace, phone="+14155550123")
    assert OptOutEvent.objects.filter(action="opted_in", phone="+14155550123").count() == 1


def test_opt_outs_are_scoped_to_their_workspace(workspace, other_workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    assert services.is_opted_out(workspace=workspace, phone="+14155550123")
    assert not services.is_opted_out(workspace=other_workspace, phone="+14155550123")


def test_is_opted_out_reads_a_number_as_the_workspace_writes_it(workspace, other_workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    services.opt_out(workspace=other_workspace, phone="+447911123456", method=Method.MANUAL)
    assert services.is_opted_out(workspace=workspace, phone="(415) 555-0123")
    assert services.is_opted_out(workspace=other_workspace, phone="07911 123456")


def test_edit_changes_number_and_reason_with_old_and_new_in_history(entry, workspace, member):
    services.edit_opt_out(workspace=workspace, optout=entry, phone="(415) 555-0124", reason="fixed", actor=member)
    entry.refresh_from_db()
    assert (entry.phone, entry.reason) == ("+14155550124", "fixed")
    event = OptOutEvent.objects.filter(action="edited", phone="+14155550124").get()
    assert event.details["old_phone"] == "+14155550123"
    assert event.details["new_phone"] == "+14155550124"
    assert OptOutEvent.objects.filter(action="edited", phone="+14155550123").exists()


def test_edit_to_a_number_already_on_the_list_is_refused(entry, workspace, member):
    other = services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)
    with pytest.raises(ValidationError, match="is already opted out") as caught:
        services.edit_opt_out(workspace=workspace, optout=other, phone="+14155550123", reason="", actor=member)
    assert "already opted out" in caught.value.message_dict["phone"][0]
    other.refresh_from_db()
    assert other.phone == "+14155550124"


def test_reply_entries_cannot_be_edited(reply_entry, workspace):
    with pytest.raises(ValidationError, match="can't be edited"):
        services.edit_opt_out(workspace=workspace, optout=reply_entry, phone="+14155550124", reason="x")
    reply_entry.refresh_from_db()
    assert reply_entry.phone == "+14155550123"


def test_remove_keeps_the_history(entry, workspace, member):
    services.remove_opt_out(workspace=workspace, optout=entry, actor=member)
    assert not OptOut.objects.exists()
    actions = list(OptOutEvent.objects.filter(phone="+14155550123").order_by("id").values_list("action", flat=True))
    assert actions == ["opted_out", "removed"]


def test_opted_out_among_returns_the_blocked_subset(workspace, member):
    for phone in ("+14155550123", "+447911123456"):
        services.opt_out(workspace=workspace, phone=phone, method=Method.MANUAL, actor=member)
    found = services.opted_out_among(workspace=workspace, phones=["+14155550123", "+14155550999", "447911123456"])
    assert found == {"+14155550123", "+447911123456"}


def test_opted_out_among_uses_one_query_per_chunk(workspace, django_assert_num_queries):
    numbers = [
        f"+1{area}555{n:04d}" for area in (212, 415, 646, 718, 917, 305, 312, 404, 503, 617, 702) for n in range(10_000)
    ]
    assert len(set(numbers)) > 100_000
    with django_assert_num_queries(2):
        services.opted_out_among(workspace=workspace, phones=numbers)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_opt_outs_make_one_row_and_never_raise(postgres, workspace, member):
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def writer():
        try:
            barrier.wait()
            services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert OptOut.objects.filter(workspace=workspace, phone="+14155550123").count() == 1
    assert OptOutEvent.objects.filter(phone="+14155550123").count() == 6


def test_a_listed_e164_number_is_found_as_stored_even_if_phonenumbers_no_longer_accepts_it(workspace):
    # Stored in E.164 before a phonenumbers update changed its mind: the guard must still find it,
    # not re-validate it and refuse the check.
    services.import_batch(workspace=workspace, phones=["+15550001234"])
    assert services.is_opted_out(workspace=workspace, phone="+15550001234")
    assert services.opted_out_among(workspace=workspace, phones=["+15550001234"]) == {"+15550001234"}
