"""Issue 13 item 9: the workspace's time zone is set on Settings, active on its pages and in its emails,
and Send later is read in it — including around a change of the clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from emuchat import times
from messaging.models import Message
from optouts import exports
from optouts import services as optout_services
from optouts.models import ExportJob
from workspaces import services as workspace_services
from workspaces import zones
from workspaces.models import Invitation

NEW_YORK = "America/New_York"


def settings_data(**overrides) -> dict:
    return {"name": "Acme Bakery", "default_region": "US", "time_zone": NEW_YORK} | overrides


def test_an_owner_sets_the_time_zone_on_settings(member_client, workspace):
    page = member_client.get("/w/acme/settings/").content.decode()
    assert '<select name="time_zone"' in page and '<option value="UTC" selected>' in page
    response = member_client.post("/w/acme/settings/", settings_data(), follow=True)
    workspace.refresh_from_db()
    assert workspace.time_zone == NEW_YORK
    assert "Times in America/New_York (E" in response.content.decode()


def test_a_name_that_is_not_an_iana_zone_is_refused(member_client, workspace):
    response = member_client.post("/w/acme/settings/", settings_data(time_zone="Eastern"))
    assert "Select a valid choice" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.time_zone == "UTC"


def test_every_workspace_page_names_its_zone(member_client, workspace):
    assert "Times in UTC" in member_client.get("/w/acme/opt-outs/").content.decode()
    workspace.time_zone = "Asia/Kolkata"
    workspace.save()
    for path in ("/w/acme/opt-outs/", "/w/acme/conversations/", "/w/acme/contacts/", "/w/acme/settings/"):
        assert "Times in Asia/Kolkata (IST)" in member_client.get(path).content.decode(), path


def test_the_owners_only_page_is_in_the_zone_too(client, workspace, teammate):
    workspace.time_zone = "Asia/Tokyo"
    workspace.save()
    client.force_login(teammate)
    response = client.get("/w/acme/settings/")
    assert response.status_code == 403
    assert "Times in Asia/Tokyo (JST)" in response.content.decode()


def test_the_zone_is_not_left_active_after_the_request(member_client, workspace):
    workspace.time_zone = "Asia/Tokyo"
    workspace.save()
    member_client.get("/w/acme/opt-outs/")
    assert timezone.get_current_timezone_name() == "UTC"


# --- Send later ------------------------------------------------------------------------


def schedule(member_client, when: str, follow: bool = True):
    return member_client.post(
        "/w/acme/conversations/new/", {"to": "+14155550188", "body": "Later", "scheduled_for": when}, follow=follow
    )


@pytest.fixture
def new_york(workspace):
    workspace.time_zone = NEW_YORK
    workspace.save()
    return workspace


def test_send_later_says_which_zone_it_is_read_in(member_client, workspace, new_york):
    page = member_client.get("/w/acme/conversations/new/").content.decode()
    assert "Times are in UTC" not in page
    assert "Enter it in the workspace&#x27;s time zone, America/New_York (now UTC\u221205:00)" in page or (
        "Enter it in the workspace&#x27;s time zone, America/New_York (now UTC\u221204:00)" in page
    )


def test_send_later_is_read_in_the_workspaces_zone(member_client, new_york):
    response = schedule(member_client, "2030-01-15T09:00")
    message = Message.objects.get(body="Later")
    assert message.scheduled_for == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
    assert "scheduled for 15 Jan 2030, 09:00 EST (America/New_York)." in response.content.decode()


def test_a_time_that_happens_twice_when_the_clocks_go_back_is_the_first_one(member_client, new_york):
    # 3 Nov 2030: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    response = schedule(member_client, "2030-11-03T01:30")
    assert Message.objects.get(body="Later").scheduled_for == datetime(2030, 11, 3, 5, 30, tzinfo=UTC)
    assert "scheduled for 3 Nov 2030, 01:30 EDT (America/New_York)." in response.content.decode()


def test_a_time_that_never_happens_when_the_clocks_go_forward_is_refused_with_what_it_would_mean(
    member_client, new_york
):
    response = schedule(member_client, "2030-03-10T02:30", follow=False)
    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_for"] == [
        "02:30 on 10 Mar 2030 does not exist in America/New_York: the clocks go forward that night. Did you mean 03:30?"
    ]
    assert not Message.objects.exists()


def test_a_utc_workspace_reads_the_time_as_utc(member_client, workspace):
    schedule(member_client, "2030-03-10T02:30")
    assert Message.objects.get(body="Later").scheduled_for == datetime(2030, 3, 10, 2, 30, tzinfo=UTC)


def test_aware_reads_a_wall_clock_time_in_the_given_zone():
    london = zones.zone_of(type("W", (), {"time_zone": "Europe/London"})())
    assert times.aware(datetime(2030, 7, 1, 12, 0), london) == datetime(2030, 7, 1, 11, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="Did you mean 02:30"):
        times.aware(datetime(2030, 3, 31, 1, 30), london)


def test_an_unknown_stored_zone_falls_back_to_utc():
    assert str(zones.zone_of(type("W", (), {"time_zone": "Nowhere/Else"})())) == "UTC"


# --- emails --------------------------------------------------------------------------


def test_the_invitation_email_gives_the_expiry_in_the_workspaces_zone(
    workspace, member, django_capture_on_commit_callbacks
):
    workspace.time_zone = "Asia/Tokyo"
    workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        workspace_services.invite(workspace=workspace, email="erin@example.com", role="member", actor=member)
    invitation = Invitation.objects.get()
    tokyo = invitation.expires_at.astimezone(zones.zone_of(workspace))
    (email,) = mail.outbox
    assert f"until {tokyo:%-d %b %Y, %H:%M} JST (Asia/Tokyo)" in email.body
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_export_email_gives_its_times_in_the_workspaces_zone(workspace, member):
    workspace.time_zone = "Europe/Paris"
    workspace.save()
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method="manual", actor=member)
    job = ExportJob.objects.create(workspace=workspace, requested_by=member, notify=True)
    exports.run_export_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    (email,) = mail.outbox
    paris = job.expires_at.astimezone(zones.zone_of(workspace))
    abbreviation = paris.tzname()
    assert re.search(rf"until {paris:%-d %b %Y, %H:%M} {abbreviation} \(Europe/Paris\)", email.body), email.body
    assert job.expires_at - job.finished_at >= timedelta(days=1)
