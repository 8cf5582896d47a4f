from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from contacts.models import Contact
from emuchat import phones
from messaging.models import Message
from workspaces.models import Workspace

from .models import Conversation


def conversations_for(workspace: Workspace, q: str = ""):
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    queryset = (
        Conversation.objects.filter(workspace=workspace)
        .select_related("contact")
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_direction=Subquery(last.values("direction")[:1]),
        )
    )
    q = (q or "").strip()
    if q:
        digits = phones.search_digits(q, workspace.default_region)
        match = Q(contact__name__icontains=q)
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
