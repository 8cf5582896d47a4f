from __future__ import annotations

from workspaces.models import Workspace

from .models import ApiToken


def tokens_for(workspace: Workspace):
    """Active tokens first, then revoked ones, newest first within each."""
    return (
        ApiToken.objects.filter(workspace=workspace)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at", "-id")
    )
