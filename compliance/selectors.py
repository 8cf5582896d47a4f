"""Reads for the compliance pages and for inbound keyword matching."""

from __future__ import annotations

from django.db.models import QuerySet

from workspaces.models import Workspace

from .keywords import Keywords, keywords_from
from .models import ComplianceSettings, LikelyOptOut


def settings_for(workspace: Workspace) -> ComplianceSettings:
    """The workspace's settings, or unsaved defaults when it never changed them."""
    found = ComplianceSettings.objects.filter(workspace=workspace).first()
    return found or ComplianceSettings(workspace=workspace)


def settings_row(workspace: Workspace) -> ComplianceSettings | None:
    """The workspace's saved settings, or None when it never changed them."""
    return ComplianceSettings.objects.filter(workspace=workspace).first()


def keywords_of(found: ComplianceSettings | None) -> Keywords:
    """The extra keywords of settings already loaded (None: the workspace never changed them)."""
    if found is None:
        return Keywords()
    return keywords_from(packs=found.packs, custom_opt_out=found.custom_opt_out, custom_opt_in=found.custom_opt_in)


def keywords_for(workspace: Workspace) -> Keywords:
    """Every extra keyword the workspace matches, in one small query."""
    row = (
        ComplianceSettings.objects.filter(workspace=workspace)
        .values_list("packs", "custom_opt_out", "custom_opt_in")
        .first()
    )
    if row is None:
        return Keywords()
    packs, custom_opt_out, custom_opt_in = row
    return keywords_from(packs=packs, custom_opt_out=custom_opt_out, custom_opt_in=custom_opt_in)


def review_queue(workspace: Workspace) -> QuerySet[LikelyOptOut]:
    return (
        LikelyOptOut.objects.filter(workspace=workspace, status=LikelyOptOut.Status.PENDING)
        .select_related("message")
        .order_by("-created_at", "-id")
    )


def recent_decisions(workspace: Workspace, *, limit: int = 20) -> list[LikelyOptOut]:
    return list(
        LikelyOptOut.objects.filter(workspace=workspace)
        .exclude(status=LikelyOptOut.Status.PENDING)
        .select_related("message", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def pending_review_count(workspace: Workspace) -> int:
    return LikelyOptOut.objects.filter(workspace=workspace, status=LikelyOptOut.Status.PENDING).count()
