from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict:
    """What the page shell needs: the workspace switcher and the in-process banner."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    workspaces = getattr(request, "user_workspaces", None)  # set by workspace_view
    if workspaces is None:
        workspaces = [m.workspace for m in user.memberships.select_related("workspace").order_by("workspace__name")]
    return {
        "user_workspaces": workspaces,
        "current_workspace": getattr(request, "workspace", None),
        "tasks_in_process": settings.CELERY_TASK_ALWAYS_EAGER,
    }
