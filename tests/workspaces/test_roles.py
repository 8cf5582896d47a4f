"""Roles (SPEC §14): owners manage members, numbers, settings and tokens; members do everything else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.models import ApiToken
from messaging.models import SenderNumber
from optouts.models import OptOut
from workspaces.models import Membership

OWNER_PAGES = [
    ("workspaces:settings", {}),
    ("workspaces:sender_numbers", {}),
    ("compliance:settings", {}),
    ("api_tokens:list", {}),
]


@pytest.fixture
def teammate_client(client, teammate):
    client.force_login(teammate)
    return client


@pytest.mark.parametrize("name,kwargs", OWNER_PAGES)
def test_a_member_gets_403_on_owner_pages_and_is_told_who_the_owners_are(
    teammate_client, workspace, member, name, kwargs
):
    response = teammate_client.get(reverse(name, kwargs={"slug": "acme", **kwargs}))
    assert response.status_code == 403
    assert "Only owners can change this" in response.content.decode()
    assert "Alice" in response.content.decode()


@pytest.mark.parametrize("name,kwargs", OWNER_PAGES)
def test_an_owner_opens_the_owner_pages(member_client, workspace, name, kwargs):
    assert member_client.get(reverse(name, kwargs={"slug": "acme", **kwargs})).status_code == 200


def test_a_member_cannot_create_an_api_token_or_add_a_number(teammate_client, workspace):
    assert teammate_client.post("/w/acme/settings/api-tokens/", {"name": "Mine"}).status_code == 403
    assert teammate_client.post("/w/acme/settings/numbers/", {"phone": "+14155550177"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_a_member_cannot_invite_or_change_roles(teammate_client, workspace, member):
    alice = Membership.objects.get(user=member)
    assert (
        teammate_client.post(
            "/w/acme/settings/members/invite/", {"email": "x@example.com", "role": "owner"}
        ).status_code
        == 403
    )
    assert teammate_client.post(f"/w/acme/settings/members/{alice.pk}/role/", {"role": "member"}).status_code == 403
    assert teammate_client.post(f"/w/acme/settings/members/{alice.pk}/remove/").status_code == 403
    alice.refresh_from_db()
    assert alice.role == "owner"
    assert not workspace.invitations.exists()


def test_a_member_still_manages_opt_outs(teammate_client, workspace):
    """The help article: any member manages opt-outs; roles never restrict that."""
    response = teammate_client.post(
        reverse("optouts:add", kwargs={"slug": "acme"}), {"phone": "(415) 555-0142", "reason": "asked"}
    )
    assert response.status_code == 302
    assert OptOut.objects.filter(workspace=workspace, phone="+14155550142").exists()
    assert teammate_client.get(reverse("optouts:list", kwargs={"slug": "acme"})).status_code == 200
    assert teammate_client.get(reverse("compliance:review", kwargs={"slug": "acme"})).status_code == 200


def test_a_member_sees_the_members_page_without_controls(teammate_client, workspace, member):
    page = teammate_client.get(reverse("workspaces:members", kwargs={"slug": "acme"})).content.decode()
    assert "Alice" in page and "Bob" in page
    assert "Send invitation" not in page
    assert "Only owners can invite people" in page


def test_the_sidebar_shows_settings_to_owners_and_members_to_members(client, workspace, member, teammate):
    client.force_login(member)
    assert 'href="/w/acme/settings/"' in client.get("/w/acme/opt-outs/").content.decode()
    client.force_login(teammate)
    page = client.get("/w/acme/opt-outs/").content.decode()
    assert 'href="/w/acme/settings/"' not in page
    assert 'href="/w/acme/settings/members/"' in page


def test_an_outsider_still_gets_404_on_owner_pages(outsider_client, workspace):
    assert outsider_client.get("/w/acme/settings/numbers/").status_code == 404
    assert outsider_client.get("/w/acme/settings/members/").status_code == 404


def test_an_owner_edits_the_workspace_settings_and_twilio_credentials(member_client, workspace):
    data = {
        "name": "Acme Bakery & Co",
        "default_region": "gb",
        "time_zone": "Europe/London",
        "twilio_account_sid": "AC" + "9" * 32,
        "twilio_auth_token": "own-token",
    }
    response = member_client.post("/w/acme/settings/", data, follow=True)
    assert "Workspace settings saved." in response.content.decode()
    assert "own-token" not in response.content.decode()
    workspace.refresh_from_db()
    assert (workspace.name, workspace.default_region, workspace.time_zone) == (
        "Acme Bakery & Co",
        "GB",
        "Europe/London",
    )
    assert (workspace.twilio_account_sid, workspace.twilio_auth_token) == ("AC" + "9" * 32, "own-token")
    # Saving again without a token keeps the stored one.
    member_client.post("/w/acme/settings/", data | {"twilio_auth_token": ""})
    workspace.refresh_from_db()
    assert workspace.twilio_auth_token == "own-token"


def test_a_member_cannot_edit_the_workspace_settings(teammate_client, workspace):
    response = teammate_client.post(
        "/w/acme/settings/", {"name": "Hijacked", "default_region": "US", "time_zone": "UTC"}
    )
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme Bakery"
