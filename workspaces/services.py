"""Writes for workspaces, memberships and invitations (SPEC §14); each change is a MembershipEvent."""

from __future__ import annotations

import hashlib
import secrets
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from emuchat.celery import enqueue_on_commit

from . import zones
from .models import Invitation, Membership, MembershipEvent, Role, Workspace, validate_region, validate_time_zone

INVITATION_VALID_FOR = timedelta(days=7)
Action = MembershipEvent.Action


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(*, workspace: Workspace, action: str, actor, subject_user=None, subject: str = "", **details) -> None:
    MembershipEvent.objects.create(
        workspace=workspace,
        action=action,
        actor=actor,
        subject_user=subject_user,
        subject=subject or (subject_user.email or subject_user.username if subject_user else ""),
        details=details,
    )


# --- workspaces ----------------------------------------------------------------------


def slug_taken_message(slug: str) -> str:
    return f"The address “{slug}” is taken by another workspace; choose another."


@transaction.atomic
def create_workspace(*, name: str, slug: str, default_region: str, time_zone: str, creator) -> Workspace:
    """Create a workspace whose first owner is ``creator``."""
    name, slug, default_region = name.strip(), slug.strip().lower(), default_region.strip().upper()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the workspace a name."]
    if Workspace.objects.filter(slug=slug).exists():
        errors["slug"] = [slug_taken_message(slug)]
    for field, value, check in (
        ("default_region", default_region, validate_region),
        ("time_zone", time_zone, validate_time_zone),
    ):
        try:
            check(value)
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(
                name=name, slug=slug, default_region=default_region, time_zone=time_zone
            )
    except IntegrityError:
        raise ValidationError({"slug": [slug_taken_message(slug)]})
    Membership.objects.create(workspace=workspace, user=creator, role=Role.OWNER)
    _record(workspace=workspace, action=Action.CREATED_WORKSPACE, actor=creator, subject_user=creator, role=Role.OWNER)
    return workspace


@transaction.atomic
def update_workspace(
    *,
    workspace: Workspace,
    name: str,
    default_region: str,
    time_zone: str,
    twilio_account_sid: str = "",
    twilio_auth_token: str = "",
    actor=None,
) -> Workspace:
    """Save an owner's changes; an empty auth token keeps the stored one, an empty SID clears both."""
    workspace.name = name.strip()
    workspace.default_region = default_region.strip().upper()
    workspace.time_zone = time_zone
    sid = twilio_account_sid.strip()
    if sid and not sid.startswith("AC"):
        raise ValidationError({"twilio_account_sid": ["A Twilio account SID starts with AC."]})
    if sid and not (twilio_auth_token or workspace.twilio_auth_token):
        raise ValidationError({"twilio_auth_token": ["Give the auth token that goes with this account SID."]})
    workspace.twilio_account_sid = sid
    workspace.twilio_auth_token = (twilio_auth_token.strip() or workspace.twilio_auth_token) if sid else ""
    workspace.full_clean(exclude=["slug"])
    workspace.save(update_fields=["name", "default_region", "time_zone", "twilio_account_sid", "twilio_auth_token"])
    return workspace


def set_quiet_hours(*, workspace: Workspace, enabled: bool, start: time, end: time, actor=None) -> Workspace:
    """Turn quiet hours on or off (SPEC §13); the rule itself is messaging/quiet_hours.py."""
    if enabled and start == end:
        raise ValidationError({"quiet_hours_end": ["Quiet hours need an end different from their start."]})
    workspace.quiet_hours_enabled = enabled
    workspace.quiet_hours_start = start.replace(second=0, microsecond=0)
    workspace.quiet_hours_end = end.replace(second=0, microsecond=0)
    with transaction.atomic():
        workspace.save(update_fields=["quiet_hours_enabled", "quiet_hours_start", "quiet_hours_end"])
    return workspace


# --- invitations ---------------------------------------------------------------------


def _send_on_commit(invitation: Invitation) -> None:
    enqueue_on_commit("workspaces.tasks.send_invitation", invitation.id)


@transaction.atomic
def invite(*, workspace: Workspace, email: str, role: str, actor) -> Invitation:
    """Record an invitation and email its link (through Celery, after commit)."""
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": ["Choose Owner or Member."]})
    Workspace.objects.select_for_update().get(pk=workspace.pk)
    if workspace.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": [f"{email} is already a member of {workspace.name}."]})
    pending = workspace.invitations.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True)
    if any(invitation.is_pending or invitation.expires_at is None for invitation in pending):
        raise ValidationError({"email": [f"{email} already has a pending invitation; resend it from the list below."]})
    invitation = Invitation.objects.create(workspace=workspace, email=email, role=role, invited_by=actor)
    _record(workspace=workspace, action=Action.INVITED, actor=actor, subject=email, role=role)
    _send_on_commit(invitation)
    return invitation


@transaction.atomic
def resend_invitation(*, workspace: Workspace, invitation: Invitation, actor) -> Invitation:
    """Send a fresh link (the old one stops working) and restart the 7 days."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation was already used or revoked; invite the person again.")
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=None, expires_at=None, email_status=Invitation.EmailStatus.PENDING, email_error=""
    )
    _record(workspace=workspace, action=Action.INVITATION_RESENT, actor=actor, subject=invitation.email)
    _send_on_commit(invitation)
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def revoke_invitation(*, workspace: Workspace, invitation: Invitation, actor) -> None:
    claimed = Invitation.objects.filter(
        pk=invitation.pk, workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_by=actor, token_hash=None)
    if not claimed:
        raise ValidationError("This invitation was already used or revoked.")
    _record(workspace=workspace, action=Action.INVITATION_REVOKED, actor=actor, subject=invitation.email)


def send_invitation_email(invitation_id: int) -> str:
    """Mint the link and email it, once per claim; returns the invitation's email status."""
    claimed = Invitation.objects.filter(
        pk=invitation_id,
        email_status=Invitation.EmailStatus.PENDING,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(email_status=Invitation.EmailStatus.SENDING)
    if not claimed:
        return "skipped"
    token = secrets.token_urlsafe(32)
    Invitation.objects.filter(pk=invitation_id).update(
        token_hash=hash_token(token), expires_at=timezone.now() + INVITATION_VALID_FOR
    )
    invitation = Invitation.objects.select_related("workspace", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("workspaces:accept_invite", kwargs={"token": token}),
        "inviter": (invitation.invited_by.get_full_name() or invitation.invited_by.username)
        if invitation.invited_by
        else "A teammate",
    }
    try:
        zones.send_mail(
            workspace=invitation.workspace,
            subject=f"Join {invitation.workspace.name} on emu.chat",
            template="workspaces/email/invitation.txt",
            context=context,
            recipient_list=[invitation.email],
        )
    except Exception as error:  # noqa: BLE001 - any mail failure is shown to the owner, who can resend
        Invitation.objects.filter(pk=invitation_id).update(
            email_status=Invitation.EmailStatus.FAILED, email_error=str(error)[:500], token_hash=None
        )
        return Invitation.EmailStatus.FAILED
    Invitation.objects.filter(pk=invitation_id).update(
        email_status=Invitation.EmailStatus.SENT, email_sent_at=timezone.now()
    )
    return Invitation.EmailStatus.SENT


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points at, whatever its state (the page explains used/expired links)."""
    if not token:
        return None
    return Invitation.objects.select_related("workspace", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def accept_invitation(*, token: str, user) -> Membership:
    """Use the link once: add ``user`` to the workspace with the invited role."""
    invitation = invitation_for_token(token)
    now = timezone.now()
    if invitation is None or invitation.revoked_at:
        raise ValidationError(
            "This invitation link is not valid any more. Ask an owner of the workspace for a new one."
        )
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        invitation.refresh_from_db()
        if invitation.accepted_at:
            raise ValidationError("This invitation was already used. Sign in to open the workspace.")
        raise ValidationError("This invitation has expired (links last 7 days). Ask an owner to resend it.")
    workspace = invitation.workspace
    membership, created = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": invitation.role}
    )
    _record(
        workspace=workspace,
        action=Action.JOINED,
        actor=user,
        subject_user=user,
        role=membership.role,
        invited_email=invitation.email,
        already_member=not created,
    )
    return membership


@transaction.atomic
def create_account_and_accept(*, token: str, username: str, password: str):
    """Sign up through an invitation: the account's email is the invited address."""
    User = get_user_model()
    invitation = invitation_for_token(token)
    if invitation is None or not invitation.is_pending:
        raise ValidationError(
            "This invitation link is not valid any more. Ask an owner of the workspace for a new one."
        )
    username = username.strip()
    if not username:
        raise ValidationError({"username": ["Choose a username."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"The username “{username}” is taken; choose another."]})
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(f"An account for {invitation.email} already exists: sign in with it to join.")
    user = User(username=username, email=invitation.email)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages})
    user.set_password(password)
    user.save()
    accept_invitation(token=token, user=user)
    return user


# --- members -------------------------------------------------------------------------


def _lock_owners(workspace: Workspace) -> int:
    """Serialise role changes per workspace, then count its owners."""
    Workspace.objects.select_for_update().get(pk=workspace.pk)
    return workspace.memberships.filter(role=Role.OWNER).count()


@transaction.atomic
def change_role(*, workspace: Workspace, membership: Membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValidationError("Choose Owner or Member.")
    owners = _lock_owners(workspace)
    membership = Membership.objects.select_related("user").get(pk=membership.pk, workspace=workspace)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError(
            f"{membership.user.username} is the only owner of {workspace.name}; make someone else an owner first."
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _record(
        workspace=workspace, action=Action.ROLE_CHANGED, actor=actor, subject_user=membership.user, old=old, new=role
    )
    return membership


@transaction.atomic
def remove_member(*, workspace: Workspace, membership: Membership, actor) -> None:
    owners = _lock_owners(workspace)
    membership = Membership.objects.select_related("user").get(pk=membership.pk, workspace=workspace)
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError(
            f"{membership.user.username} is the only owner of {workspace.name}; a workspace always keeps one owner."
        )
    membership.delete()
    _record(workspace=workspace, action=Action.REMOVED, actor=actor, subject_user=membership.user, role=membership.role)
