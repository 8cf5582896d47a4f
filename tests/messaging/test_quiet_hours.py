"""Quiet hours (SPEC §13): bulk and scheduled texts wait while it is night where the recipient is.

The clock is frozen by replacing ``django.utils.timezone.now`` (every service,
model default and the rule itself read the time through it).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import quiet_hours, services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method

UTC = dt.UTC
NEW_YORK = "+12125550123"  # America/New_York
SAN_FRANCISCO = "+14155550123"  # America/Los_Angeles
IDAHO = "+12085550123"  # America/Boise and America/Los_Angeles: two zones
LONDON = "+447911123456"  # Europe/London (and the Crown dependencies, same clock)
TOKYO = "+81312345678"  # Asia/Tokyo
TOLL_FREE = "+18005550123"  # every North American zone, Guam to Newfoundland


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


@pytest.fixture
def quiet(workspace):
    workspace.quiet_hours_enabled = True
    workspace.save(update_fields=["quiet_hours_enabled"])
    return workspace


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)`` freezes ``timezone.now()`` there."""

    def freeze(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


def test_off_by_default_and_21_to_08_when_on(workspace):
    assert workspace.quiet_hours_enabled is False
    assert (workspace.quiet_hours_start, workspace.quiet_hours_end) == (dt.time(21), dt.time(8))
    assert quiet_hours.release_at(workspace=workspace, phone=NEW_YORK, at=at(2026, 12, 4, 4, 0)) is None


def test_a_bulk_send_is_held_only_where_it_is_night(quiet, clock, sms_outbox, django_capture_on_commit_callbacks):
    # 14:00 UTC on 4 Dec: 09:00 in New York, 06:00 in San Francisco, 14:00 in London, 23:00 in Tokyo.
    clock(at(2026, 12, 4, 14, 0))
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_bulk(workspace=quiet, recipients=[NEW_YORK, SAN_FRANCISCO, LONDON, TOKYO], body="Sale")
    by_number = {m.to_phone: Message.objects.get(pk=m.pk) for m in sent}
    assert sorted(sms.to for sms in sms_outbox) == sorted([NEW_YORK, LONDON])
    held_sf, held_tokyo = by_number[SAN_FRANCISCO], by_number[TOKYO]
    assert held_sf.status == held_tokyo.status == "scheduled"
    assert local(held_sf.scheduled_for, "America/Los_Angeles") == "2026-12-04 08:00 PST"
    assert local(held_tokyo.scheduled_for, "Asia/Tokyo") == "2026-12-05 08:00 JST"
    assert held_tokyo.hold_note == "Held for quiet hours (21:00–08:00 in Asia/Tokyo): goes when they end there."


def test_a_number_with_two_zones_is_quiet_if_quiet_in_either(quiet):
    # 04:30 UTC: 21:30 in Boise (quiet) but 20:30 in Los Angeles (not yet): quiet.
    released = quiet_hours.release_at(workspace=quiet, phone=IDAHO, at=at(2026, 12, 5, 4, 30))
    # 08:00 in Boise is 07:00 in Los Angeles, still quiet there: it goes at 08:00 Pacific.
    assert released == at(2026, 12, 5, 16, 0)
    assert local(released, "America/Boise") == "2026-12-05 09:00 MST"
    # 15:30 UTC: 08:30 in Boise, 07:30 in Los Angeles: still held, until 08:00 Pacific.
    assert quiet_hours.release_at(workspace=quiet, phone=IDAHO, at=at(2026, 12, 5, 15, 30)) == at(2026, 12, 5, 16, 0)
    assert quiet_hours.release_at(workspace=quiet, phone=IDAHO, at=at(2026, 12, 5, 16, 0)) is None


def test_the_note_of_a_number_with_two_zones_names_them(quiet):
    note = quiet_hours.note(workspace=quiet, phone=IDAHO)
    assert note.startswith("Held for quiet hours (21:00–08:00 in all 2 of the number's time zones (America/Boise")


def test_a_toll_free_number_goes_in_the_half_hour_every_zone_allows(quiet):
    # Guam (UTC+10) to St John's (UTC-3:30): 22:00 UTC is 08:00 in Guam and 18:30 in Newfoundland.
    released = quiet_hours.release_at(workspace=quiet, phone=TOLL_FREE, at=at(2026, 12, 5, 9, 0))
    assert released == at(2026, 12, 5, 22, 0)


def test_zones_spread_over_the_whole_day_fall_back_to_the_workspace_zone(quiet):
    quiet.time_zone = "America/Chicago"
    quiet.quiet_hours_start, quiet.quiet_hours_end = dt.time(18), dt.time(9)
    # With 15 quiet hours, no minute is allowed from Guam to Newfoundland at once: Chicago decides.
    assert quiet_hours.release_at(workspace=quiet, phone=TOLL_FREE, at=at(2026, 12, 5, 9, 0)) == at(2026, 12, 5, 15, 0)
    assert quiet_hours.release_at(workspace=quiet, phone=TOLL_FREE, at=at(2026, 12, 5, 18, 0)) is None
    assert "America/Chicago, the workspace's zone" in quiet_hours.note(workspace=quiet, phone=TOLL_FREE)


def test_spring_forward_releases_at_eight_on_the_new_clock(quiet):
    # 23:00 EST on Sat 7 Mar 2026; at 02:00 on 8 Mar clocks jump to 03:00 EDT.
    released = quiet_hours.release_at(workspace=quiet, phone=NEW_YORK, at=at(2026, 3, 8, 4, 0))
    assert released == at(2026, 3, 8, 12, 0)  # 08:00 EDT is 12:00 UTC, not 13:00
    assert local(released, "America/New_York") == "2026-03-08 08:00 EDT"


def test_fall_back_releases_at_eight_on_the_new_clock(quiet):
    # 23:00 EDT on Sat 31 Oct 2026; at 02:00 on 1 Nov clocks go back to 01:00 EST.
    released = quiet_hours.release_at(workspace=quiet, phone=NEW_YORK, at=at(2026, 11, 1, 3, 0))
    assert released == at(2026, 11, 1, 13, 0)
    assert local(released, "America/New_York") == "2026-11-01 08:00 EST"


def test_an_end_inside_the_spring_forward_gap_releases_right_after_the_jump(quiet):
    quiet.quiet_hours_end = dt.time(2, 30)  # 02:30 does not exist in New York on 8 Mar 2026
    released = quiet_hours.release_at(workspace=quiet, phone=NEW_YORK, at=at(2026, 3, 8, 5, 0))
    assert local(released, "America/New_York") == "2026-03-08 03:00 EDT"


def test_dst_switch_days_in_london_too(quiet):
    # 21:30 GMT on Sat 28 Mar 2026, the night British Summer Time starts.
    released = quiet_hours.release_at(workspace=quiet, phone=LONDON, at=at(2026, 3, 28, 21, 30))
    assert local(released, "Europe/London") == "2026-03-29 08:00 BST" and released == at(2026, 3, 29, 7, 0)
    # 20:59 local is allowed; 21:00 is not.
    assert quiet_hours.release_at(workspace=quiet, phone=LONDON, at=at(2026, 10, 24, 19, 59)) is None
    assert quiet_hours.release_at(workspace=quiet, phone=LONDON, at=at(2026, 10, 24, 20, 0)) is not None


def test_a_window_that_does_not_wrap_midnight(quiet):
    quiet.quiet_hours_start, quiet.quiet_hours_end = dt.time(12), dt.time(14)
    assert quiet_hours.release_at(workspace=quiet, phone=LONDON, at=at(2026, 12, 4, 13, 15)) == at(2026, 12, 4, 14, 0)
    assert quiet_hours.release_at(workspace=quiet, phone=LONDON, at=at(2026, 12, 4, 23, 0)) is None


def test_a_scheduled_text_for_the_night_waits_until_morning(quiet, member, clock):
    clock(at(2026, 12, 4, 12, 0))
    message = services.send_message(
        workspace=quiet, to=NEW_YORK, body="Tonight", actor=member, scheduled_for=at(2026, 12, 5, 3, 0)
    )
    assert message.status == "scheduled" and message.observes_quiet_hours
    assert local(message.scheduled_for, "America/New_York") == "2026-12-05 08:00 EST"
    assert "quiet hours" in message.hold_note


def test_a_conversation_reply_at_night_is_never_held(quiet, member, clock, member_client, sms_outbox):
    from conversations.models import Conversation

    clock(at(2026, 12, 5, 3, 0))  # 22:00 in New York
    message = services.send_message(workspace=quiet, to=NEW_YORK, body="Replying now", actor=member)
    assert message.status == "queued" and not message.observes_quiet_hours and message.hold_note == ""
    conversation = Conversation.objects.get(phone=NEW_YORK)
    page = reverse("conversations:detail", kwargs={"slug": "acme", "pk": conversation.pk})
    member_client.post(page, {"body": "And again"})
    assert Message.objects.get(body="And again").status in {"queued", "sent"}


def test_a_text_released_into_quiet_hours_is_held_again(
    quiet, member, clock, sms_outbox, django_capture_on_commit_callbacks
):
    clock(at(2026, 12, 4, 12, 0))
    message = services.send_message(
        workspace=quiet, to=NEW_YORK, body="Lunch offer", actor=member, scheduled_for=at(2026, 12, 4, 17, 0)
    )
    assert message.status == "scheduled" and message.hold_note == ""  # 12:00 in New York: fine then
    # The owner moves quiet hours to cover lunchtime before it goes out.
    quiet.quiet_hours_start, quiet.quiet_hours_end = dt.time(11), dt.time(14)
    quiet.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    clock(at(2026, 12, 4, 17, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due() == 1  # released, then delivery checks again
    message.refresh_from_db()
    assert sms_outbox == []
    assert message.status == "scheduled" and message.scheduled_for == at(2026, 12, 4, 19, 0)
    assert "11:00–14:00 in America/New_York" in message.hold_note
    clock(at(2026, 12, 4, 19, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_due()
    message.refresh_from_db()
    assert message.status == "sent" and [sms.to for sms in sms_outbox] == [NEW_YORK]


def test_a_bulk_text_still_queued_when_quiet_hours_begin_waits(quiet, clock, sms_outbox):
    clock(at(2026, 12, 5, 1, 59))  # 20:59 in New York
    [message] = services.send_bulk(workspace=quiet, recipients=[NEW_YORK], body="Flash sale")
    assert message.status == "queued"
    clock(at(2026, 12, 5, 2, 1))  # the worker reaches it at 21:01
    services.deliver(message.pk)
    message.refresh_from_db()
    assert sms_outbox == [] and message.status == "scheduled"
    assert local(message.scheduled_for, "America/New_York") == "2026-12-05 08:00 EST"


def test_an_opted_out_number_is_blocked_not_held(quiet, member, clock):
    optout_services.opt_out(workspace=quiet, phone=TOKYO, method=Method.MANUAL, actor=member)
    clock(at(2026, 12, 4, 14, 0))  # 23:00 in Tokyo
    [message] = services.send_bulk(workspace=quiet, recipients=[TOKYO], body="Sale")
    assert (message.status, message.failure_reason, message.hold_note) == ("failed", "opted_out", "")


def test_an_opt_out_cancels_a_held_text(quiet, member, clock):
    clock(at(2026, 12, 4, 14, 0))
    [message] = services.send_bulk(workspace=quiet, recipients=[TOKYO], body="Sale")
    assert message.status == "scheduled"
    optout_services.opt_out(workspace=quiet, phone=TOKYO, method=Method.MANUAL, actor=member)
    message.refresh_from_db()
    assert message.status == "cancelled"


def test_the_messages_page_says_why_a_text_waits(quiet, member_client, clock):
    clock(at(2026, 12, 4, 14, 0))
    services.send_bulk(workspace=quiet, recipients=[TOKYO], body="Sale")
    page = member_client.get(reverse("messaging:list", kwargs={"slug": "acme"})).content.decode()
    assert "data-hold-note" in page and "Held for quiet hours (21:00–08:00 in Asia/Tokyo)" in page


def test_the_owner_turns_quiet_hours_on_in_settings(member_client, workspace):
    settings_url = reverse("workspaces:settings", kwargs={"slug": "acme"})
    assert "Quiet hours" in member_client.get(settings_url).content.decode()
    response = member_client.post(
        reverse("workspaces:quiet_hours", kwargs={"slug": "acme"}),
        {"quiet_hours_enabled": "on", "quiet_hours_start": "22:00", "quiet_hours_end": "07:30"},
        follow=True,
    )
    assert "Quiet hours on: bulk and scheduled texts wait out 22:00–07:30" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.quiet_hours_enabled and workspace.quiet_hours_end == dt.time(7, 30)


def test_quiet_hours_need_an_end_other_than_their_start(member_client, workspace):
    response = member_client.post(
        reverse("workspaces:quiet_hours", kwargs={"slug": "acme"}),
        {"quiet_hours_enabled": "on", "quiet_hours_start": "22:00", "quiet_hours_end": "22:00"},
    )
    assert response.status_code == 400 and "different from their start" in response.content.decode()
    workspace.refresh_from_db()
    assert not workspace.quiet_hours_enabled


def test_a_member_who_is_not_an_owner_cannot_change_quiet_hours(client, teammate, workspace):
    client.force_login(teammate)
    response = client.post(reverse("workspaces:quiet_hours", kwargs={"slug": "acme"}), {"quiet_hours_enabled": "on"})
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert not workspace.quiet_hours_enabled


def test_an_outsider_gets_404(outsider_client, workspace):
    response = outsider_client.post(reverse("workspaces:quiet_hours", kwargs={"slug": "acme"}), {})
    assert response.status_code == 404


def test_the_conversation_shows_why_a_text_waits(quiet, member_client, clock):
    from conversations.models import Conversation

    clock(at(2026, 12, 4, 14, 0))
    services.send_bulk(workspace=quiet, recipients=[TOKYO], body="Sale")
    conversation = Conversation.objects.get(phone=TOKYO)
    page = member_client.get(reverse("conversations:detail", kwargs={"slug": "acme", "pk": conversation.pk}))
    assert "Held for quiet hours (21:00–08:00 in Asia/Tokyo)" in page.content.decode()
