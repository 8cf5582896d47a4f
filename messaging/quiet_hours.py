"""Quiet hours: bulk and scheduled texts wait while it is night where the recipient is (SPEC §13).

The rule, all of it here:

- It applies only when the workspace turned it on (``Workspace.quiet_hours_enabled``),
  to texts marked ``Message.observes_quiet_hours``: bulk sends and scheduled
  texts. Conversation replies (and the opt-out confirmation, HELP answers) are
  never marked, so they are exempt.
- The recipient's time zones come from the number (``phonenumbers.timezone``);
  a number that maps to several zones (a US area code across two zones, a
  country with one prefix for many) is quiet when it is quiet in *any* of them,
  and a held text goes at the first minute allowed in *all* of them. A number
  whose zone is unknown uses the workspace's own time zone.
- The window is ``[quiet_hours_start, quiet_hours_end)`` in local wall time, and
  may wrap midnight (21:00–08:00). Start equal to end means no quiet hours.
- A held text becomes ``scheduled`` with ``scheduled_for`` at the release minute
  and a ``hold_note`` saying why. Delivery checks again right before the claim
  (``hold_quiet``), so a text released into quiet hours — or a long campaign
  that runs into the evening — waits again.

Wall times across daylight-saving switches: the release is the local end
time on the right day, converted with zoneinfo. An end time that does not
exist that day (inside the spring-forward gap) resolves to the same offset as
before the switch, i.e. just after the gap.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable

import phonenumbers
from django.utils import timezone
from phonenumbers import timezone as phone_timezones

from workspaces.models import Workspace

from .models import Message

UNKNOWN_ZONE = phone_timezones.UNKNOWN_TIMEZONE


@functools.lru_cache(maxsize=4096)
def _zones_for_prefix(e164: str) -> tuple[str, ...]:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in phone_timezones.time_zones_for_number(number) if z != UNKNOWN_ZONE)


def zones_for(phone: str, fallback: str = "UTC") -> tuple[str, ...]:
    """The number's time zones (E.164 in), or ``(fallback,)`` when phonenumbers does not know them."""
    return _zones_for_prefix(phone) or (fallback,)


def _in_window(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _window_end_after(at: dt.datetime, zone: zoneinfo.ZoneInfo, end: dt.time) -> dt.datetime:
    """The first instant after ``at`` whose wall time in ``zone`` has reached ``end`` (as UTC)."""
    local = at.astimezone(zone)
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    wall = dt.datetime.combine(day, end)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    before = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    if before >= after:
        return after  # an ordinary day, or a repeated hour (the first time the clock shows ``end``)
    # ``end`` falls in the spring-forward gap: the clock jumps past it, so the first minute after the jump.
    moment = before
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += dt.timedelta(minutes=1)
    return moment


@functools.lru_cache(maxsize=65536)
def _release(zones: tuple[str, ...], at: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """The first allowed minute at or after ``at`` in every zone; None when ``at`` is allowed.

    Raises ``NoCommonMinute`` when the zones are so far apart (a toll-free
    +1 800 number spans Guam to Newfoundland) that no minute of the day is
    outside quiet hours in all of them.
    """
    moment = at
    # Windows chain (one zone's morning is another's evening): at most one step per zone.
    for _ in range(len(zones) + 1):
        quiet = [z for z in map(zoneinfo.ZoneInfo, zones) if _in_window(_wall(moment, z), start, end)]
        if not quiet:
            return None if moment == at else moment
        moment = max(_window_end_after(moment, z, end) for z in quiet)
        if moment - at > dt.timedelta(days=1):
            break
    raise NoCommonMinute(zones)


class NoCommonMinute(Exception):
    """No minute is allowed in every one of a number's zones."""


def _window(workspace: Workspace) -> tuple[dt.time, dt.time]:
    return workspace.quiet_hours_start, workspace.quiet_hours_end


def _wall(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.time:
    return at.astimezone(zone).time()


def release_at(*, workspace: Workspace, phone: str, at: dt.datetime) -> dt.datetime | None:
    """When a text to ``phone`` due at ``at`` may go: None if then is fine, else the next allowed minute."""
    if not workspace.quiet_hours_enabled:
        return None
    released = _zones_and_release(workspace, phone, at)[1]
    return None if released is None else max(released, at)


def _zones_and_release(workspace: Workspace, phone: str, at: dt.datetime) -> tuple[tuple[str, ...], dt.datetime | None]:
    minute = at.astimezone(dt.UTC).replace(second=0, microsecond=0)
    zones = zones_for(phone, workspace.time_zone)
    try:
        return zones, _release(zones, minute, *_window(workspace))
    except NoCommonMinute:
        # Zones spread over the whole day say nothing about where the person is: the workspace's own zone.
        zones = (workspace.time_zone,)
        return zones, _release(zones, minute, *_window(workspace))


def note(*, workspace: Workspace, phone: str) -> str:
    """The hold note shown beside the text: why it waits, in the recipient's terms."""
    zones = _zones_and_release(workspace, phone, timezone.now())[0]
    if len(zones) > 1:
        where = f"all {len(zones)} of the number's time zones ({', '.join(zones[:2])}…)"
    elif zones == (workspace.time_zone,) and zones_for(phone, workspace.time_zone) != zones:
        where = f"{zones[0]}, the workspace's zone, as the number's zones span the whole day"
    else:
        where = zones[0]
    window = "–".join(f"{t:%H:%M}" for t in _window(workspace))
    return f"Held for quiet hours ({window} in {where}): goes when they end there."[:200]


def plan(*, workspace: Workspace, phones: Iterable[str], at: dt.datetime) -> dict[str, dt.datetime]:
    """For a batch of texts due at ``at``: the numbers that must wait, each with its release time."""
    if not workspace.quiet_hours_enabled:
        return {}
    held = {}
    for phone in phones:
        released = release_at(workspace=workspace, phone=phone, at=at)
        if released is not None:
            held[phone] = released
    return held


def hold_quiet(message_ids: list[int]) -> list[int]:
    """Delivery's re-check: hold again (queued → scheduled) the texts now in quiet hours; returns the rest.

    One indexed query for the batch; only texts marked ``observes_quiet_hours``
    in a workspace with quiet hours on are looked at.
    """
    candidates = list(
        Message.objects.filter(
            pk__in=message_ids,
            status=Message.Status.QUEUED,
            observes_quiet_hours=True,
            workspace__quiet_hours_enabled=True,
        ).select_related("workspace")
    )
    if not candidates:
        return message_ids
    now = timezone.now()
    held: set[int] = set()
    for message in candidates:
        released = release_at(workspace=message.workspace, phone=message.to_phone, at=now)
        if released is None:
            continue
        # Compare-and-swap: a text cancelled or claimed meanwhile is left alone.
        if Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.SCHEDULED,
            scheduled_for=released,
            hold_note=note(workspace=message.workspace, phone=message.to_phone),
            updated_at=now,
        ):
            held.add(message.pk)
    return [pk for pk in message_ids if pk not in held]
