from __future__ import annotations

from django.db.models import Q

from emuchat import phones
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
