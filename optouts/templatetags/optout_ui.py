"""Small pieces of the Opt-Outs pages that render once per row, kept out of ``{% include %}`` for speed."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

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


@register.simple_tag
def relative_time(moment) -> str:
    """“3 days ago”, with the exact time (and zone) on hover and for machines."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    seconds = (timezone.now() - moment).total_seconds()
    words = "just now" if seconds < 60 else f"{timesince(moment, depth=1)} ago"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S %Z}",
        words,
    )
