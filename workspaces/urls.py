"""The ``workspaces`` namespace: account-level pages and pages under /w/<slug>/.

emuchat/urls.py assembles it with :func:`patterns`, so an app above this one
(messaging's sender numbers) can add its settings pages to the namespace
without workspaces importing it.
"""

from __future__ import annotations

from django.urls import include, path

from . import views

app_name = "workspaces"

account_patterns = [
    path("workspaces/new/", views.create_workspace, name="create"),
    path("invitations/<str:token>/", views.accept_invite, name="accept_invite"),
]

workspace_patterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/quiet-hours/", views.quiet_hours, name="quiet_hours"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/invite/", views.invite, name="invite"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("settings/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]


def patterns(*, extra_workspace_patterns: list) -> tuple[list, str]:
    """The namespace to ``include``: ours plus pages other apps register under /w/<slug>/."""
    return (
        [*account_patterns, path("w/<slug:slug>/", include([*workspace_patterns, *extra_workspace_patterns]))],
        app_name,
    )


urlpatterns = patterns(extra_workspace_patterns=[])[0]
