"""The one access check every workspace page goes through (SPEC §14).

A workspace URL answers 404 to anyone who is not a member, so a stranger
cannot even learn that a slug exists; anonymous visitors go to the login page.
Pages marked ``owners_only`` (members, sender numbers, settings, API tokens)
answer 403 to a member who is not an owner. Nothing else looks at roles: every
member manages opt-outs, contacts, conversations and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import zones
from .models import Membership, Role, Workspace


def get_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404("No such workspace.")
    membership = Membership.objects.select_related("workspace").filter(workspace__slug=slug, user=user).first()
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def owners_only_response(request: HttpRequest) -> HttpResponse:
    owners = request.workspace.memberships.filter(role=Role.OWNER).select_related("user").order_by("user__username")
    return render(request, "workspaces/owners_only.html", {"owners": [m.user for m in owners]}, status=403)


def workspace_view(
    view: Callable[..., HttpResponse] | None = None, *, owners_only: bool = False
) -> Callable[..., HttpResponse]:
    """Resolve ``request.workspace`` from the ``slug`` URL keyword, members only.

    ``@workspace_view(owners_only=True)`` also requires the owner role (403 otherwise).
    The workspace's time zone is active while the view runs.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            # One query serves this check and the page shell's workspace switcher (issue #15).
            memberships = list(
                request.user.memberships.select_related("workspace").order_by("workspace__name")
                if request.user.is_authenticated
                else []
            )
            membership = next((m for m in memberships if m.workspace.slug == slug), None)
            if membership is None:
                raise Http404("No such workspace.")
            request.user_workspaces = [m.workspace for m in memberships]
            request.membership = membership
            request.workspace: Workspace = membership.workspace
            # Every time on the page (and in what the view formats) is in the team's zone (workspaces.zones).
            with zones.active(membership.workspace):
                if owners_only and not membership.is_owner:
                    return owners_only_response(request)
                return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def owner_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return workspace_view(view, owners_only=True)
