"""A workspace's time zone: active on its pages and in its emails, and how local times are read.

The contract every app relies on (docs/decisions.md, issue 13): a time is shown with
Django's *active* zone (``{{ value|date }}``, ``timezone.localtime()``), never a fixed
one. ``workspaces.access.workspace_view`` activates the workspace's zone for each of its
requests; :func:`active` does it anywhere else (a Celery task, an email, a public page
that belongs to a workspace); :func:`send_mail` sends a workspace's email inside it.
Typed wall-clock times are read by ``emuchat.times.aware`` (DST gaps and overlaps).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, tzinfo

from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from .models import Workspace


def zone_of(workspace: Workspace | None) -> tzinfo:
    """The workspace's zone (UTC when unset or unknown, as before time zones existed)."""
    name = getattr(workspace, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def active(workspace: Workspace | None) -> AbstractContextManager:
    """``with zones.active(workspace):`` times are shown in the workspace's zone inside."""
    return timezone.override(zone_of(workspace))


def label(moment: datetime | None = None) -> str:
    """The active zone as pages write it: “America/New_York (EST)”, or just “UTC”."""
    zone = timezone.get_current_timezone()
    name = timezone.get_current_timezone_name()
    abbreviation = (moment or timezone.now()).astimezone(zone).tzname() or ""
    return name if abbreviation in ("", name) else f"{name} ({abbreviation})"


def when(moment: datetime) -> str:
    """“14 Mar 2027, 03:30 EDT (America/New_York)”: a time in a sentence (a notification, an email).

    The abbreviation is the one in force at that moment, so a time after a change of the
    clocks says so; the zone's name follows unless the abbreviation is the name (“UTC”).
    """
    local = timezone.localtime(moment)
    name, abbreviation = timezone.get_current_timezone_name(), local.tzname() or ""
    written = f"{date_format(local, 'j M Y, H:i')} {abbreviation}".rstrip()
    return written if abbreviation == name else f"{written} ({name})"


def send_mail(
    *,
    workspace: Workspace,
    subject: str,
    template: str,
    context: dict,
    recipient_list: Sequence[str],
) -> int:
    """Render ``template`` and send it with the workspace's time zone active, so its times are the team's."""
    with active(workspace):
        body = render_to_string(template, {"workspace": workspace, "time_zone": label(), **context})
        return mail.send_mail(subject=subject, message=body, from_email=None, recipient_list=list(recipient_list))
