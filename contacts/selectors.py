from __future__ import annotations

from django.db.models import Q

from emuchat import phones
from optouts.models import OptOut
from workspaces.models import Workspace

from .models import Contact


def contacts_for(workspace: Workspace, q: str = ""):
    queryset = Contact.objects.filter(workspace=workspace)
    q = (q or "").strip()
    if q:
        match = Q(name__icontains=q) | Q(email__icontains=q)
        digits = phones.search_digits(q, workspace.default_region)
        if digits:
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset.order_by("name", "id")


def optouts_by_phone(workspace: Workspace, numbers: list[str]) -> dict[str, OptOut]:
    """The opt-out entry of each number that has one, in one query."""
    numbers = [n for n in numbers if n]
    if not numbers:
        return {}
    return {
        o.phone: o for o in OptOut.objects.filter(workspace=workspace, phone__in=numbers).select_related("created_by")
    }
