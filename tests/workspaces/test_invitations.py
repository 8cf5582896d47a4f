"""Invitations (SPEC §14): emailed through Celery, single-use links valid 7 days, only a hash stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, make_user
from workspaces import services
from workspaces.models import Invitation, Membership, MembershipEvent


def _link_in(message) -> str:
    match = re.search(r"https://emu\.example\.com(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _invite(member_client, email="dana@example.com", role="member", capture=None):
    with capture(execute=True):
        response = member_client.post("/w/acme/settings/members/invite/", {"email": email, "role": role})
    return response


@pytest.fixture
def owner_client(member):
    """Alice in a browser of her own, so ``client`` stays free for the invitee."""
    owner = Client()
    owner.force_login(member)
    return owner


@pytest.fixture
def invite(owner_client, django_capture_on_commit_callbacks):
    def run(email="dana@example.com", role="member"):
        return _invite(owner_client, email, role, django_capture_on_commit_callbacks)

    return run


def test_inviting_emails_a_link_after_commit_and_stores_only_its_hash(
    member_client, workspace, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = member_client.post(
            "/w/acme/settings/members/invite/", {"email": "Dana@Example.com", "role": "member"}
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert response.status_code == 302
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = mail.outbox
    assert message.to == ["dana@example.com"]
    assert "Alice invited you to join Acme Bakery" in message.body
    link = _link_in(message)
    token = link.split("/")[2]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == services.hash_token(token) != token
    assert token not in str(Invitation.objects.values().get())
    assert invitation.email_status == "sent"
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)


def test_the_members_page_lists_the_pending_invitation(owner_client, workspace, invite):
    invite()
    page = owner_client.get("/w/acme/settings/members/").content.decode()
    assert "dana@example.com" in page and "Sent" in page
    assert "Invited: dana@example.com" in page


def test_inviting_twice_or_inviting_a_member_is_refused_clearly(workspace, teammate, invite):
    invite()
    again = invite()
    assert again.status_code == 400
    assert "already has a pending invitation" in again.content.decode()
    bob = invite(email="BOB@example.com")
    assert "bob@example.com is already a member of Acme Bakery" in bob.content.decode()
    assert Invitation.objects.count() == 1


def test_a_signed_in_invitee_with_that_email_joins_on_opening_the_link(client, workspace, invite):
    invite(email="dana@example.com", role="owner")
    link = _link_in(mail.outbox[0])
    dana = make_user("dana", "Dana")
    client.force_login(dana)
    response = client.get(link)
    assert response.status_code == 302 and response.url == "/w/acme/opt-outs/"
    assert Membership.objects.get(workspace=workspace, user=dana).role == "owner"
    assert MembershipEvent.objects.filter(action="joined", subject_user=dana).exists()
    # Single use: the second opening explains, and nobody else can use it.
    client.force_login(make_user("eve", "Eve"))
    again = client.get(link)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert not Membership.objects.filter(user__username="eve").exists()


def test_a_signed_in_user_with_another_email_sees_which_email_was_invited_and_confirms(client, workspace, invite):
    invite(email="dana@example.com")
    link = _link_in(mail.outbox[0])
    erin = make_user("erin", "Erin")
    client.force_login(erin)
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "dana@example.com" in text and "signed in as <strong>erin</strong>" in text
    assert not Membership.objects.filter(user=erin).exists()
    assert client.post(link, {"action": "join"}).status_code == 302
    assert Membership.objects.get(workspace=workspace, user=erin).role == "member"


def test_a_signed_out_invitee_creates_an_account_for_that_email_and_joins(client, workspace, invite):
    invite(email="dana@example.com")
    link = _link_in(mail.outbox[0])
    page = client.get(link).content.decode()
    assert "dana@example.com" in page and "Create account and join" in page
    response = client.post(link, {"username": "dana", "password": "a-long-unusual-passphrase"})
    assert response.status_code == 302
    dana = get_user_model().objects.get(username="dana")
    assert dana.email == "dana@example.com"
    assert dana.check_password("a-long-unusual-passphrase")
    assert Membership.objects.filter(workspace=workspace, user=dana).exists()
    assert client.get("/w/acme/opt-outs/").status_code == 200  # signed in


def test_account_creation_refuses_a_weak_password_or_a_taken_username(client, workspace, member, invite):
    invite(email="dana@example.com")
    link = _link_in(mail.outbox[0])
    weak = client.post(link, {"username": "dana", "password": "password"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    taken = client.post(link, {"username": "ALICE", "password": "a-long-unusual-passphrase"})
    assert "The username “ALICE” is taken" in taken.content.decode()
    assert not get_user_model().objects.filter(email="dana@example.com").exists()


def test_a_signed_out_invitee_with_an_account_signs_in_and_joins(client, workspace, invite):
    invite(email="dana@example.com")
    link = _link_in(mail.outbox[0])
    make_user("dana", "Dana")
    response = client.post("/accounts/login/", {"username": "dana", "password": PASSWORD, "next": link})
    assert response.status_code == 302 and response.url == link
    assert client.get(link).status_code == 302
    assert Membership.objects.filter(workspace=workspace, user__username="dana").exists()


def test_an_expired_link_is_refused(client, workspace, invite):
    invite()
    link = _link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(make_user("dana", "Dana"))
    response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user__username="dana").exists()


def test_a_revoked_invitation_stops_working_and_is_logged(owner_client, client, workspace, invite):
    invite()
    link = _link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    assert owner_client.post(f"/w/acme/settings/invitations/{invitation.pk}/revoke/").status_code == 302
    page = owner_client.get("/w/acme/settings/members/").content.decode()
    assert "No pending invitations" in page
    assert "Revoked the invitation: dana@example.com" in page
    client.force_login(make_user("dana", "Dana"))
    assert client.get(link).status_code == 410


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    owner_client, client, workspace, invite, django_capture_on_commit_callbacks
):
    invite()
    old = _link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/w/acme/settings/invitations/{invitation.pk}/resend/")
    new = _link_in(mail.outbox[1])
    assert new != old
    client.force_login(make_user("dana", "Dana"))
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 302


def test_a_failed_email_is_shown_and_can_be_resent(
    owner_client, client, workspace, settings, invite, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.support.failing_email_backend.EmailBackend"
    invite()
    invitation = Invitation.objects.get()
    assert invitation.email_status == "failed" and invitation.token_hash is None
    page = owner_client.get("/w/acme/settings/members/").content.decode()
    assert "Failed" in page and "SMTP server refused" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/w/acme/settings/invitations/{invitation.pk}/resend/")
    invitation.refresh_from_db()
    assert invitation.email_status == "sent"
    client.force_login(make_user("dana", "Dana"))
    assert client.get(_link_in(mail.outbox[0])).status_code == 302


def test_the_email_task_never_sends_twice_for_one_claim(workspace, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(workspace=workspace, email="dana@example.com", role="member", actor=member)
    assert services.send_invitation_email(invitation.id) == "skipped"
    assert len(mail.outbox) == 1
