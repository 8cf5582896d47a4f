from __future__ import annotations

from django import template

from emuchat import people, phones
from workspaces import zones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """E.164 → international format for display."""
    return phones.format_international(value or "")


@register.filter
def person(user) -> str:
    """A member as every page names them: full name, username on hover (emuchat.people)."""
    return people.person(user)


@register.filter
def zoned(moment) -> str:
    """A time in a sentence, in the active (the workspace's) zone and saying which: zones.when."""
    return zones.when(moment) if moment else ""


@register.simple_tag
def time_zone_label() -> str:
    """The active zone as the page shell names it: “America/New_York (EST)”."""
    return zones.label()


@register.filter
def described(field) -> str:
    """The field's widget, pointing at its errors and help (aria-describedby) and marked invalid when it is.

    static/js/app.js moves focus to the first ``aria-invalid`` field of a form that failed.
    """
    ids = [f"{field.auto_id}_errors"] if field.errors else []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs) if field.auto_id else str(field)
