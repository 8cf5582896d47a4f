from __future__ import annotations

from django.db.models import Q

from emuchat import phones
from workspaces.models import Workspace

from .models import Contact

SEARCH_MAX_LENGTH = 200


def contacts_for(workspace: Workspace, q: str = ""):
    queryset = Contact.objects.filter(workspace=workspace)
    # No name, email or number is longer; a 100 kB "search" would only strain the database (SQLite refuses it).
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if q:
        match = Q(name__icontains=q) | Q(email__icontains=q)
        digits = phones.search_digits(q, workspace.default_region)
        if digits:
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset.order_by("name", "id")
