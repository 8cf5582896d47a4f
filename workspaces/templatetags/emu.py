from __future__ import annotations

from django import template

from emuchat import people, phones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """E.164 → international format for display."""
    return phones.format_international(value or "")


@register.filter
def person(user) -> str:
    """A member as every page names them: full name, username on hover (emuchat.people)."""
    return people.person(user)
