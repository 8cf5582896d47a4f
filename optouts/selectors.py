"""Reads for the Opt-Outs pages. Contacts are matched by phone at display time.

The list page must stay fast with a million entries (bench/pages.py), so the
two aggregates above the table are not recounted on every request:

- totals by method are cached under the list's *version*, the newest history
  event (every write to the list records one, in the same transaction), so
  any change is seen on the next request; a big list may serve totals up to
  ``BIG_LIST_STALE_SECONDS`` old rather than recount a million rows per view;
- the daily chart counts past days once per day (history is append-only, so a
  finished day never changes); the rendered chart is cached under the version
  (charts.chart_for), so only today's bar is recounted after a change.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime

from contacts.models import Contact
from imports.models import ImportJob
from workspaces.models import Workspace

from .models import Consent, EvidenceDownload, Method, OptOut, OptOutEvent

BIG_LIST = 20_000
BIG_LIST_STALE_SECONDS = 60
_VERSIONED_TTL = 600  # a safety net: the version already changes on every write


def optouts_for(workspace: Workspace, params=None):
    """The list filtered by ``q`` and ``method`` (OptOutFilter), newest first."""
    from .filters import OptOutFilter

    queryset = OptOut.objects.filter(workspace=workspace).select_related("created_by")
    filterset = OptOutFilter(params or None, queryset=queryset, workspace=workspace)
    return filterset.qs.order_by("-created_at", "-id")


COUNT_CAP = 10_000


def count_matching(queryset, *, cap: int | None = None) -> int:
    """How many rows match, counted up to ``cap`` (cap + 1 means "more than cap")."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by()[: cap + 1].count()


def import_for(workspace: Workspace, value) -> ImportJob | None:
    """The opt-out import named by the list's ``import`` parameter, if it is this workspace's."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return ImportJob.objects.filter(workspace=workspace, kind="optouts", pk=pk).first()


def optouts_by_phone(workspace: Workspace, numbers: list[str]) -> dict[str, OptOut]:
    """The entry of each number that is on the list, in one query."""
    numbers = [n for n in numbers if n]
    if not numbers:
        return {}
    entries = OptOut.objects.filter(workspace=workspace, phone__in=numbers).select_related("created_by")
    return {o.phone: o for o in entries}


def contacts_by_phone(workspace: Workspace, numbers: list[str]) -> dict[str, list[Contact]]:
    """Contacts sharing each number, in one query for the whole page."""
    found: dict[str, list[Contact]] = defaultdict(list)
    numbers = [n for n in numbers if n]
    if not numbers:
        return found
    for contact in Contact.objects.filter(workspace=workspace, phone__in=numbers).order_by("name", "id"):
        found[contact.phone].append(contact)
    return found


def list_version(workspace: Workspace) -> str:
    """Changes whenever the workspace's opt-out list changes (the newest history event)."""
    latest = OptOutEvent.objects.filter(workspace=workspace).order_by("-at", "-id").values_list("pk", "at").first()
    return f"{latest[0]}-{latest[1].timestamp()}" if latest else "0"


def _count_by_method(workspace: Workspace) -> dict[str, int]:
    counts = dict(OptOut.objects.filter(workspace=workspace).values_list("method").annotate(n=Count("id")).order_by())
    return {value: counts.get(value, 0) for value in Method.values}


def totals_by_method(workspace: Workspace, *, version: str | None = None) -> dict[str, int]:
    """How many numbers are on the list, per method (Manual, Reply, Link, Import)."""
    version = version if version is not None else list_version(workspace)
    key = f"optouts:totals:{workspace.pk}"
    cached = cache.get(key)
    if cached is not None:
        fresh = cached["version"] == version
        tolerable = sum(cached["counts"].values()) >= BIG_LIST and clock.time() - cached["at"] < BIG_LIST_STALE_SECONDS
        if fresh or tolerable:
            return cached["counts"]
    counts = _count_by_method(workspace)
    cache.set(key, {"version": version, "at": clock.time(), "counts": counts}, _VERSIONED_TTL)
    return counts


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _count_days(workspace: Workspace, start: date, end: date) -> dict[date, dict[str, int]]:
    """Opt-outs recorded per day and method on ``start`` ≤ day < ``end``.

    A repeat STOP from a number already on the list is not a new opt-out.
    The range is on ``at`` itself so the (workspace, at) index serves it.
    """
    rows = (
        OptOutEvent.objects.filter(
            workspace=workspace,
            action=OptOutEvent.Action.OPTED_OUT,
            at__gte=_midnight(start),
            at__lt=_midnight(end),
        )
        # Written as NOT (details ? key) to match the partial index optout_event_new_by_day.
        .exclude(details__has_key="already_opted_out")
        .annotate(day=TruncDate("at"))
        .values_list("day", "method")
        .annotate(n=Count("*"))  # not Count("id"): lets a covering index on (workspace, at) answer alone
        .order_by()
    )
    counts: dict[date, dict[str, int]] = {}
    for day, method, n in rows:
        counts.setdefault(day, dict.fromkeys(Method.values, 0))[method] = n
    return counts


def daily_optouts(workspace: Workspace, *, days: int = 30) -> list[dict]:
    """Opt-outs added per day and method over the last ``days`` days, oldest first.

    Counted from the history, so a wave of STOPs stays visible even after
    some of those numbers opted back in. Past days are counted once a day;
    today is counted on every call.
    """
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    past = cache.get_or_set(
        f"optouts:daily:{workspace.pk}:{start}:{today}", lambda: _count_days(workspace, start, today), 86400
    )
    counts = past | _count_days(workspace, today, today + timedelta(days=1))
    empty = dict.fromkeys(Method.values, 0)
    return [{"day": day, "counts": counts.get(day, empty)} for day in (start + timedelta(days=i) for i in range(days))]


MAX_EDIT_HOPS = 20


def history_for(workspace: Workspace, phone: str) -> list[OptOutEvent]:
    """Every event of ``phone``, and of the numbers its entry was edited from, newest first.

    An edit that changed a number to ``phone`` records the event on both
    numbers; the earlier number's events up to that edit are this entry's
    past too (its original opt-out), so they are included, each marked with
    ``earlier_number``. Followed back through up to ``MAX_EDIT_HOPS`` edits.
    """
    events = list(_events(workspace, phone))
    wanted, seen, hops = phone, {phone}, 0
    cutoff: tuple | None = None
    while hops < MAX_EDIT_HOPS:
        arrival = next(
            (
                e
                for e in events
                if e.phone == wanted
                and e.action == OptOutEvent.Action.EDITED
                and e.details.get("new_phone") == wanted
                and e.details.get("old_phone") not in (None, wanted)
                and (cutoff is None or (e.at, e.id) <= cutoff)
            ),
            None,
        )
        if arrival is None or arrival.details["old_phone"] in seen:
            break
        wanted = arrival.details["old_phone"]
        seen.add(wanted)
        cutoff = (arrival.at, arrival.id)
        for earlier in _events(workspace, wanted):
            # The same edit is also recorded on the earlier number, just after: shown once.
            if (earlier.at, earlier.id) < cutoff:
                earlier.earlier_number = wanted
                events.append(earlier)
        hops += 1
    events.sort(key=lambda e: (e.at, e.id), reverse=True)
    return events


def _events(workspace: Workspace, phone: str):
    return OptOutEvent.objects.filter(workspace=workspace, phone=phone).select_related("actor").order_by("-at", "-id")


def how_opted_out(optout: OptOut) -> str:
    """One sentence for the *Opt in* confirmation: how this number came to be on the list.

    For a reply or link the recipient asked themselves, so it says so first.
    """
    day = date_format(localtime(optout.created_at), "j M Y")
    who = optout.created_by.get_full_name() or optout.created_by.get_username() if optout.created_by else ""
    if optout.method == Method.REPLY and optout.source_message_id is None:
        return f"Their carrier reported on {day} that they replied STOP."
    if optout.method == Method.REPLY:
        return f"They texted {Truncator(optout.reason).chars(60)} on {day}."
    if optout.method == Method.LINK:
        return f"They opted out through the link in a text on {day}."
    if optout.method == Method.IMPORT:
        return f"Imported{f' by {who}' if who else ''} on {day}."
    return f"Opted out by hand{f' by {who}' if who else ''} on {day}."


def came_from(events: list[OptOutEvent], phone: str) -> list[str]:
    """The numbers this entry had before it became ``phone``, latest first."""
    found = []
    for e in events:
        old = e.details.get("old_phone") if e.action == OptOutEvent.Action.EDITED else None
        if old and e.details.get("new_phone") != old and old != phone and old not in found:
            found.append(old)
    return found


def consents_for(workspace: Workspace, phone: str) -> list[Consent]:
    """The number's consent records, newest first."""
    return list(
        Consent.objects.filter(workspace=workspace, phone=phone)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def timeline_for(workspace: Workspace, events: list[OptOutEvent], phone: str) -> list[dict]:
    """The History page's rows: opt-out events, consent records and evidence downloads, newest first."""
    rows = [{"kind": "event", "at": e.at, "id": e.id, "item": e} for e in events]
    rows += [{"kind": "consent", "at": c.created_at, "id": c.id, "item": c} for c in consents_for(workspace, phone)]
    downloads = EvidenceDownload.objects.filter(workspace=workspace, phone=phone).select_related("downloaded_by")
    rows += [{"kind": "download", "at": d.at, "id": d.id, "item": d} for d in downloads]
    rows.sort(key=lambda row: (row["at"], row["kind"] == "event", row["id"]), reverse=True)
    return rows
