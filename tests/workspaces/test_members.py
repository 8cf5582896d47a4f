"""Owners change roles and remove members; a workspace always keeps one owner; every change is logged."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client

from workspaces.models import Membership, MembershipEvent


@pytest.fixture
def bob(teammate):
    return Membership.objects.get(user=teammate)


@pytest.fixture
def alice(member):
    return Membership.objects.get(user=member)


def test_an_owner_makes_a_member_owner_and_the_page_logs_it(member_client, workspace, alice, bob):
    response = member_client.post(f"/w/acme/settings/members/{bob.pk}/role/", {"role": "owner"}, follow=True)
    assert "bob is now owner." in response.content.decode()
    bob.refresh_from_db()
    assert bob.role == "owner"
    event = MembershipEvent.objects.get(action="role_changed")
    assert (event.actor.username, event.subject_user.username, event.details) == (
        "alice",
        "bob",
        {"old": "member", "new": "owner"},
    )
    assert "Changed the role: bob" in response.content.decode()


def test_the_last_owner_cannot_be_demoted_or_removed(member_client, workspace, alice, bob):
    demote = member_client.post(f"/w/acme/settings/members/{alice.pk}/role/", {"role": "member"}, follow=True)
    assert "alice is the only owner of Acme Bakery; make someone else an owner first." in demote.content.decode()
    remove = member_client.post(f"/w/acme/settings/members/{alice.pk}/remove/", follow=True)
    assert "a workspace always keeps one owner" in remove.content.decode()
    alice.refresh_from_db()
    assert alice.role == "owner"
    assert not MembershipEvent.objects.exists()


def test_with_a_second_owner_the_first_can_step_down(member_client, workspace, alice, bob):
    bob.role = "owner"
    bob.save()
    member_client.post(f"/w/acme/settings/members/{alice.pk}/role/", {"role": "member"})
    alice.refresh_from_db()
    assert alice.role == "member"
    # Alice is a member now: the owner pages answer 403 to her.
    assert member_client.get("/w/acme/settings/").status_code == 403


def test_an_owner_removes_a_member_who_then_gets_404(member_client, workspace, alice, bob, teammate):
    confirm = member_client.get(f"/w/acme/settings/members/{bob.pk}/remove/")
    assert "Remove Bob (bob) from Acme Bakery?" in confirm.content.decode()
    response = member_client.post(f"/w/acme/settings/members/{bob.pk}/remove/", follow=True)
    assert "Bob was removed from Acme Bakery." in response.content.decode()
    assert "Removed: bob" in response.content.decode()
    bob_client = Client()
    bob_client.force_login(teammate)
    assert bob_client.get("/w/acme/opt-outs/").status_code == 404


def test_after_one_owner_steps_down_the_other_cannot(workspace, alice, bob, member, teammate):
    from workspaces import services

    bob.role = "owner"
    bob.save()
    services.change_role(workspace=workspace, membership=alice, role="member", actor=teammate)
    with pytest.raises(ValidationError, match="only owner"):
        services.change_role(workspace=workspace, membership=bob, role="member", actor=member)
    assert workspace.memberships.filter(role="owner").count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(postgres, workspace, alice, bob, member, teammate):
    """Bob's demotion of Alice is held open; Alice's demotion of Bob must wait for it, then refuse."""
    from workspaces import services

    bob.role = "owner"
    bob.save()
    first_done, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def bob_demotes_alice():
        try:
            with transaction.atomic():
                services.change_role(workspace=workspace, membership=alice, role="member", actor=teammate)
                first_done.set()
                release.wait(10)
        finally:
            connection.close()

    def alice_demotes_bob():
        try:
            services.change_role(workspace=workspace, membership=bob, role="member", actor=member)
            outcome["second"] = "changed"
        except ValidationError as error:
            outcome["second"] = error.messages[0]
        finally:
            connection.close()

    first = threading.Thread(target=bob_demotes_alice)
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=alice_demotes_bob)
    second.start()
    second.join(0.5)
    waited = second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    assert waited, "the second change did not wait for the first"
    assert "only owner" in str(outcome["second"])
    assert list(workspace.memberships.filter(role="owner").values_list("user__username", flat=True)) == ["bob"]
