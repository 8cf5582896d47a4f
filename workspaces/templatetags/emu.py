from __future__ import annotations

from django import template

from emuchat import phones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """E.164 → international format for display."""
    return phones.format_international(value or "")
