"""The rows of the Opt-Outs table, rendered here rather than in the template.

The list page must render in well under 100 ms with a million entries
(bench/pages.py). Its queries take a few milliseconds; what cost most was the
template engine resolving ~25 variables and 5 ``{% url %}`` tags for each of
50 rows. One ``format_html`` per row (every value escaped) did the same in a
tenth of the time; issue #15 took the rest: each value is escaped once with
``html.escape`` (what ``format_html`` calls underneath) and the row is one
``str.format``, the four method badges are made once, a member's name once per
page, and ``Truncator`` runs only for the rare reason longer than 60 characters.
The markup is unchanged. The markup below is the whole row; list.html holds the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from emuchat import phones
from emuchat.people import person
from workspaces.models import Workspace

from . import selectors
from .models import Method, OptOut
from .navigation import with_next
from .templatetags.optout_ui import ago, exact_time, method_badge

_MARK = "987654321"

ROW = """<tr data-phone="{phone}">
<td class="mono nowrap c-number"><a href="{history_url}" title="History of {number}">{number}</a></td>
{contact_cell}
<td class="c-method">{badge}</td>
<td class="optional reason c-reason" data-label="Reason"{reason_title}>{reason}</td>
<td class="nowrap c-when"><details class="when"><summary><time datetime="{iso}" title="{exact}">{when}</time></summary>\
<span class="exact-time">{exact}</span></details></td>
<td class="optional c-added-by" data-label="Added by">{added_by}</td>
<td class="actions"><details class="menu">
<summary class="actions-button" aria-label="Actions for {number}">Actions ▾</summary>
<div class="menu-items" role="menu">{edit_item}
<a role="menuitem" href="{history_url}">History</a>
<a role="menuitem" class="danger" href="{remove_url}">Remove…</a>
</div></details></td>
</tr>"""
NO_CONTACT = (
    '<td class="no-contact"><span class="muted" title="No contact has this number; it is blocked all the same">'
    "—</span></td>"
)
CONTACT = '<td class="c-contact" data-label="Contact"><a href="{}">{}</a>{}</td>'
MORE = ' <span class="muted">and {} more</span>'
EDIT = '<a role="menuitem" href="{}">Edit</a>'
VIEW_REPLY = (
    '<a role="menuitem" href="{}">View</a>'
    "<span class=\"menu-note\">A reply is the recipient's own words: it can't be edited.</span>"
)
DASH = '<span class="muted">—</span>'
EMPTY_REASON = '<span class="muted" title="No reason was given">—</span>'


def _url_maker(name: str, slug: str, key: str) -> Callable[[object], str]:
    # One reverse() per page instead of one per row and link.
    pattern = reverse(name, kwargs={"slug": slug, key: _MARK})
    return lambda value: pattern.replace(_MARK, str(value), 1)


def build(workspace: Workspace, optouts: list[OptOut], *, back: str = "") -> list[SafeString]:
    """Each opt-out's table row, with the contacts sharing its number found in one query.

    ``back`` is the list as shown (search, method, page): Edit, Remove and
    History carry it as ``next`` so they return there.
    """
    contacts = selectors.contacts_by_phone(workspace, [o.phone for o in optouts])
    history = _url_maker("optouts:history", workspace.slug, "phone")
    edit = _url_maker("optouts:edit", workspace.slug, "pk")
    remove = _url_maker("optouts:remove", workspace.slug, "pk")
    contact_url = _url_maker("contacts:detail", workspace.slug, "pk")
    suffix = with_next("", back)
    now = timezone.now()
    badges = {method: method_badge(method) for method in Method.values}
    people: dict[int, str] = {}
    rows = []
    for o in optouts:
        matches = contacts.get(o.phone, [])
        if matches:
            more = format_html(MORE, len(matches) - 1) if len(matches) > 1 else ""
            contact_cell = format_html(CONTACT, contact_url(matches[0].pk), matches[0], more)
        else:
            contact_cell = NO_CONTACT
        user = None if o.method in (Method.REPLY, Method.LINK) else o.created_by
        if user is not None and user.pk not in people:
            people[user.pk] = person(user)
        reason = o.reason
        number = escape(phones.format_international(o.phone))
        exact = escape(exact_time(o.created_at))
        # Every value below is escaped here or is markup built by format_html: the row is safe.
        row = ROW.format(
            phone=escape(o.phone),
            number=number,
            history_url=escape(history(o.phone) + suffix),
            contact_cell=contact_cell,
            badge=badges.get(o.method) or method_badge(o.method),
            reason=escape(Truncator(reason).chars(60) if len(reason) > 60 else reason) if reason else EMPTY_REASON,
            reason_title=f' title="{escape(reason)}"' if len(reason) > 60 else "",
            iso=escape(o.created_at.isoformat()),
            exact=exact,
            when=escape(ago(o.created_at, now)),
            added_by=people[user.pk] if user is not None else DASH,
            edit_item=(VIEW_REPLY if o.method == Method.REPLY else EDIT).format(escape(edit(o.pk) + suffix)),
            remove_url=escape(remove(o.pk) + suffix),
        )
        rows.append(SafeString(row))
    return rows
