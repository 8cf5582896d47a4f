from __future__ import annotations

from django import template

from compliance import links, selectors
from compliance.segments import segments_for_body

register = template.Library()


@register.inclusion_tag("compliance/_composer_tools.html")
def composer_tools(field) -> dict:
    """The Insert opt-out link button and the segment count for a message textarea."""
    return {
        "field_id": field.id_for_label,
        "count": segments_for_body(field.value() or ""),
        "placeholder": links.PLACEHOLDER,
        "link_length": len(links.sample_url()),
    }


@register.simple_tag
def pending_review_count(workspace) -> int:
    return selectors.pending_review_count(workspace)
