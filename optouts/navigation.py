"""Where the Opt-Outs pages send a member back to: the list as they left it (search, method, page).

Edit, Remove and History carry the list's address in ``next``. It is trusted
only as a relative URL of this workspace's list, and only the list's own
query parameters are kept, so it can never send anyone elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

LIST_PARAMS = ("q", "method", "import", "page")


def list_url(request: HttpRequest) -> str:
    return reverse("optouts:list", kwargs={"slug": request.workspace.slug})


def list_state(params: QueryDict) -> dict[str, str]:
    """The list's own parameters that are set, in a fixed order."""
    return {name: params[name] for name in LIST_PARAMS if params.get(name)}


def current_list(request: HttpRequest) -> str:
    """The list page being shown, as a ``next`` value ("" for the plain first page)."""
    state = list_state(request.GET)
    return f"{list_url(request)}?{urlencode(state)}" if state else ""


def back_to_list(request: HttpRequest) -> str:
    """The list as the member left it, from a valid ``next``; else the plain list."""
    plain = list_url(request)
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if not candidate or not url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return plain
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or parts.path != plain:
        return plain
    state = list_state(QueryDict(parts.query))
    return f"{plain}?{urlencode(state)}" if state else plain


def carry(request: HttpRequest) -> str:
    """The ``next`` to hand on from a page reached from the list ("" when there is none)."""
    back = back_to_list(request)
    return back if back != list_url(request) else ""


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
