from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from contacts.models import Contact
from emuchat import phones
from messaging.models import Message
from workspaces.models import Workspace

from .models import Conversation


def conversations_for(workspace: Workspace, q: str = ""):
    """The list, newest first, each row annotated with its last message and the contacts with its number.

    ``contact_name`` is the name of a contact whose number is the conversation's (the one it was
    started with first, else the first by name), ``contact_count`` how many contacts have that
    number: both matched by phone like every page (SPEC §2), in the same query as the page.
    """
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    same_number = Contact.objects.filter(workspace=workspace, phone=OuterRef("phone"))
    named = same_number.exclude(name="")
    started_with = named.filter(pk=OuterRef("contact_id"))
    queryset = Conversation.objects.filter(workspace=workspace).annotate(
        last_body=Subquery(last.values("body")[:1]),
        last_direction=Subquery(last.values("direction")[:1]),
        contact_name=Coalesce(
            Subquery(started_with.values("name")[:1]), Subquery(named.order_by("name", "id").values("name")[:1])
        ),
        contact_count=Coalesce(
            Subquery(
                same_number.order_by().values("phone").annotate(n=Count("id")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
    )
    q = (q or "").strip()
    if q:
        digits = phones.search_digits(q, workspace.default_region)
        # Text longer than a name can be matches no name (and SQLite refuses LIKE patterns past 50 kB).
        fits = len(q) <= Contact._meta.get_field("name").max_length
        match = Q(Exists(same_number.filter(name__icontains=q))) if fits else Q(pk__in=[])
        if digits:
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset.order_by("-last_message_at", "-id")


THREAD_LIMIT = 200


def thread_for(conversation: Conversation, *, limit: int | None = None) -> tuple[list[Message], bool]:
    """The newest ``limit`` messages, oldest first, and whether older ones were left out."""
    limit = limit or THREAD_LIMIT
    newest = list(conversation.messages.order_by("-created_at", "-id")[: limit + 1])
    return list(reversed(newest[:limit])), len(newest) > limit


def contact_choices(workspace: Workspace, *, limit: int = 500) -> list[Contact]:
    """Contacts offered as suggestions in New message's To field."""
    return list(Contact.objects.filter(workspace=workspace).exclude(phone="").order_by("name", "id")[:limit])
