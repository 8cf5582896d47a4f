"""Any signed-in user creates a workspace from the switcher and becomes its owner."""

from __future__ import annotations

from optouts.models import OptOutEvent
from workspaces.models import Membership, MembershipEvent, Workspace


def _create(client, **overrides):
    data = {"name": "Initech", "slug": "initech", "default_region": "gb", "time_zone": "Europe/London"} | overrides
    return client.post("/workspaces/new/", data)


def test_the_switcher_offers_a_new_workspace(member_client, workspace):
    assert 'href="/workspaces/new/"' in member_client.get("/w/acme/opt-outs/").content.decode()


def test_creating_a_workspace_makes_the_creator_its_owner(member_client, workspace, member):
    response = _create(member_client)
    assert response.status_code == 302 and response.url == "/w/initech/settings/numbers/"
    created = Workspace.objects.get(slug="initech")
    assert (created.name, created.default_region, created.time_zone) == ("Initech", "GB", "Europe/London")
    assert Membership.objects.get(workspace=created, user=member).role == "owner"
    assert MembershipEvent.objects.filter(workspace=created, action="created_workspace", actor=member).exists()
    assert member_client.get("/w/initech/settings/").status_code == 200


def test_a_taken_slug_and_an_unknown_region_are_refused_clearly(member_client, workspace):
    response = _create(member_client, slug="acme", default_region="XX")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The address “acme” is taken by another workspace" in page
    assert "“XX” is not a two-letter country code" in page
    assert not Workspace.objects.filter(name="Initech").exists()


def test_an_unknown_time_zone_is_refused(member_client, workspace):
    page = _create(member_client, time_zone="Mars/Olympus").content.decode()
    assert "Select a valid choice" in page
    assert not Workspace.objects.filter(slug="initech").exists()


def test_a_user_without_a_workspace_is_offered_to_create_one(client, db):
    from tests.conftest import make_user

    client.force_login(make_user("zed", "Zed"))
    page = client.get("/").content.decode()
    assert "Create a workspace" in page


def test_times_on_the_workspace_pages_follow_its_time_zone(member_client, workspace, member):
    from datetime import UTC, datetime

    from optouts import services

    services.opt_out(workspace=workspace, phone="+14155550199", method="manual", actor=member)
    OptOutEvent.objects.update(at=datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    history = "/w/acme/opt-outs/history/+14155550199/"
    assert "5 Jan 2026, 23:30" in member_client.get(history).content.decode()
    workspace.time_zone = "Asia/Tokyo"
    workspace.save()
    assert "6 Jan 2026, 08:30" in member_client.get(history).content.decode()


def test_send_later_is_read_in_the_workspaces_time_zone(member_client, workspace):
    workspace.time_zone = "America/New_York"
    workspace.save()
    page = member_client.get("/w/acme/messages/bulk/").content.decode()
    assert "Enter it in the workspace&#x27;s time zone, America/New_York (now UTC" in page
