from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .access import workspace_view


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a member to their first workspace; explain when they have none."""
    membership = request.user.memberships.select_related("workspace").order_by("workspace__name").first()
    if membership is None:
        return render(request, "workspaces/no_workspace.html")
    return redirect("optouts:list", slug=membership.workspace.slug)


@workspace_view
def settings_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    return render(
        request,
        "workspaces/settings.html",
        {
            "sender_numbers": workspace.sender_numbers.all(),
            "members": workspace.memberships.select_related("user").order_by("user__username"),
            "webhook_path": reverse("webhooks:twilio_sms"),
            "site_url": django_settings.SITE_URL,
        },
    )
