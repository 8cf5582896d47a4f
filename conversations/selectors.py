from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from contacts.models import Contact
from emuchat import phones
from messaging.models import Message
from optouts.models import OptOut
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


def opted_out_numbers(workspace: Workspace, numbers: list[str]) -> set[str]:
    return set(OptOut.objects.filter(workspace=workspace, phone__in=numbers).values_list("phone", flat=True))


THREAD_LIMIT = 200


def thread_for(conversation: Conversation, *, limit: int | None = None) -> tuple[list[Message], bool]:
    """The newest ``limit`` messages, oldest first, and whether older ones were left out."""
    limit = limit or THREAD_LIMIT
    newest = list(conversation.messages.order_by("-created_at", "-id")[: limit + 1])
    return list(reversed(newest[:limit])), len(newest) > limit


def optout_for(workspace: Workspace, phone: str) -> OptOut | None:
    return OptOut.objects.filter(workspace=workspace, phone=phone).select_related("created_by").first()


def contacts_with(workspace: Workspace, phone: str) -> list[Contact]:
    return list(Contact.objects.filter(workspace=workspace, phone=phone).order_by("name", "id"))


def contact_choices(workspace: Workspace, *, limit: int = 500) -> list[Contact]:
    """Contacts offered as suggestions in New message's To field."""
    return list(Contact.objects.filter(workspace=workspace).exclude(phone="").order_by("name", "id")[:limit])
