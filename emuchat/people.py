"""One way to name a member on every page: the full name, the username on hover.

Pages use :func:`person` (the ``person`` template filter). Files and API
fields that identify a member keep the username, which is unique and stable
(SPEC §9: the export's ``added_by`` is "username or empty").
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def display_name(user) -> str:
    """“Dana Demo”, or the username for someone with no name set ("" for nobody)."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


def person(user) -> SafeString | str:
    """The member's name as markup, with their username on hover when the two differ."""
    if user is None:
        return ""
    name, username = display_name(user), user.get_username()
    if name == username:
        return format_html('<span class="person">{}</span>', name)
    return format_html('<span class="person" title="Username: {}">{}</span>', username, name)
