"""Reads for the Opt-Outs pages. Contacts are matched by phone at display time."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from contacts.models import Contact
from workspaces.models import Workspace

from .models import Method, OptOut, OptOutEvent


def optouts_for(workspace: Workspace, params=None):
    """The filtered list, newest first, and its FilterSet (for the form)."""
    from .filters import OptOutFilter

    queryset = OptOut.objects.filter(workspace=workspace).select_related("created_by")
    filterset = OptOutFilter(params or None, queryset=queryset, workspace=workspace)
    return filterset.qs.order_by("-created_at", "-id"), filterset


def contacts_by_phone(workspace: Workspace, numbers: list[str]) -> dict[str, list[Contact]]:
    """Contacts sharing each number, in one query for the whole page."""
    found: dict[str, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(workspace=workspace, phone__in=numbers).order_by("name", "id"):
        found[contact.phone].append(contact)
    return found


def totals_by_method(workspace: Workspace) -> dict[str, int]:
    counts = dict(OptOut.objects.filter(workspace=workspace).values_list("method").annotate(n=Count("id")).order_by())
    return {value: counts.get(value, 0) for value in Method.values}


def daily_optouts(workspace: Workspace, *, days: int = 30) -> list[dict]:
    """Opt-outs added per day and method over the last ``days`` days, oldest first.

    Counted from the history, so a wave of STOPs stays visible even after
    some of those numbers opted back in.
    """
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        OptOutEvent.objects.filter(
            workspace=workspace,
            action=OptOutEvent.Action.OPTED_OUT,
            at__date__gte=start,
            details__already_opted_out__isnull=True,
        )
        .annotate(day=TruncDate("at"))
        .values_list("day", "method")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_day: dict = defaultdict(lambda: dict.fromkeys(Method.values, 0))
    for day, method, n in rows:
        per_day[day][method] = n
    return [{"day": start + timedelta(days=i), "counts": per_day[start + timedelta(days=i)]} for i in range(days)]


def history_for(workspace: Workspace, phone: str):
    return OptOutEvent.objects.filter(workspace=workspace, phone=phone).select_related("actor").order_by("-at", "-id")
