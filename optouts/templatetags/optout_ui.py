"""Small pieces of the Opt-Outs pages that render once per row, kept out of ``{% include %}`` for speed."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

# An icon as well as a colour, so the method reads without colour.
_BADGES = {
    "manual": ("✎", "Manual"),
    "reply": ("↩", "Reply"),
    "link": ("↗", "Link"),
    "import": ("⇪", "Import"),
}


@register.simple_tag
def method_badge(method: str) -> str:
    icon, label = _BADGES.get(method, ("", method))
    return format_html('<span class="badge badge-{}"><span aria-hidden="true">{}</span> {}</span>', method, icon, label)


# Consent methods (SPEC §13) read apart from opt-out methods: a tick and "consent" in the label.
_CONSENT_BADGES = {
    "reply": "Reply",
    "form": "Web form",
    "import": "Import",
    "api": "API",
    "manual": "By hand",
}


@register.simple_tag
def consent_badge(method: str) -> str:
    label = _CONSENT_BADGES.get(method, method)
    return format_html('<span class="badge badge-ok"><span aria-hidden="true">✓</span> {}</span>', label)


@register.simple_tag
def method_label(method: str) -> str:
    return _BADGES.get(method, ("", method))[1]


_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600))


def ago(moment: datetime, now: datetime) -> str:
    """“3 days ago”: the one largest unit, as a member scanning a list wants it."""
    seconds = int((now - moment).total_seconds())
    for unit, size in (*_UNITS, ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def exact_time(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S %Z}"


@register.simple_tag
def relative_time(moment) -> str:
    """“3 days ago”, with the exact time (and zone) on hover and for machines."""
    if moment is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact_time(moment), ago(moment, timezone.now())
    )


@register.simple_tag
def tap_time(moment) -> str:
    """“3 days ago” that opens to the exact time on a tap or click (hover shows it too)."""
    if moment is None:
        return ""
    exact = exact_time(moment)
    return format_html(
        '<details class="when"><summary><time datetime="{}" title="{}">{}</time></summary>'
        '<span class="exact-time">{}</span></details>',
        moment.isoformat(),
        exact,
        ago(moment, timezone.now()),
        exact,
    )


@register.filter
def iso_time(value: str):
    """An ISO 8601 string kept in an event's details, as a datetime the ``date`` filter can show."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
