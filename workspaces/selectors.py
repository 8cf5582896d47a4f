"""Reads for the Members page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import Invitation, Membership, MembershipEvent, Workspace


def members_of(workspace: Workspace) -> QuerySet[Membership]:
    return workspace.memberships.select_related("user").order_by("-role", "user__username")


def pending_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    """Not accepted, not revoked, and not past the 7 days (an unsent one has no expiry yet)."""
    from django.db.models import Q

    return (
        workspace.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("invited_by")
    )


def recent_events(workspace: Workspace, limit: int = 50) -> list[MembershipEvent]:
    return list(workspace.membership_events.select_related("actor", "subject_user")[:limit])
