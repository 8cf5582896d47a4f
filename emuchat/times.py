"""Wall-clock times typed by a member, read in the active time zone (the workspace's, see workspaces.zones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format


def offset(moment: datetime | None = None) -> str:
    """The active zone's offset from UTC now: “UTC−05:00”, “UTC+05:30”, “UTC”."""
    delta = (moment or timezone.now()).astimezone(timezone.get_current_timezone()).utcoffset() or timedelta(0)
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def aware(naive: datetime, zone: tzinfo | None = None) -> datetime:
    """A wall-clock time typed by a member, read in ``zone`` (default: the active one).

    Around a change of the clocks (docs/decisions.md):
    - a time that happens twice (clocks go back) is the *first* one, before the change;
      the confirmation shows its zone abbreviation (e.g. EDT rather than EST);
    - a time that never happens (clocks go forward) is refused with the time it would
      mean an hour later, rather than silently moved.
    """
    zone = zone or timezone.get_current_timezone()
    first = naive.replace(tzinfo=zone, fold=0)
    round_trip = first.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        day = date_format(naive, "j M Y")
        raise ValidationError(
            f"{naive:%H:%M} on {day} does not exist in {zone}: the clocks go forward that night. "
            f"Did you mean {round_trip:%H:%M}?",
            code="nonexistent_time",
        )
    return first
