"""The one access check every workspace page goes through.

A workspace URL answers 404 to anyone who is not a member, so a stranger
cannot even learn that a slug exists; anonymous visitors go to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .models import Membership, Workspace


def get_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404("No such workspace.")
    membership = Membership.objects.select_related("workspace").filter(workspace__slug=slug, user=user).first()
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``request.workspace`` from the ``slug`` URL keyword, members only."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        membership = get_membership(request.user, slug)
        request.membership = membership
        request.workspace: Workspace = membership.workspace
        return view(request, *args, **kwargs)

    return wrapper
