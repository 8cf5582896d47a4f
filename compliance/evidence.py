"""The texts of a number's evidence pack (optouts/evidence.py cannot read messaging: it is below it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from messaging.models import Message
from optouts.evidence import CHUNK, Entry
from workspaces.models import Workspace

from .models import ConfirmationReply, JoinRequest

_FIELDS = (
    "id",
    "created_at",
    "direction",
    "from_phone",
    "to_phone",
    "body",
    "status",
    "failure_reason",
    "provider_sid",
    "sent_at",
    "created_by__username",
)
_KINDS = {
    ConfirmationReply.Kind.CONFIRMATION: ("confirmation", "Opt-out confirmation sent"),
    ConfirmationReply.Kind.HELP: ("help_reply", "HELP reply sent"),
}


def texts(workspace: Workspace, phone: str, until: datetime) -> Iterator[Entry]:
    """Every text in and out of the number's conversation, oldest first; automatic replies named as such.

    Both send_message and receive_message file every text in the number's one
    conversation (unique per workspace and number), so that is the index used.
    """
    automatic = {
        message_id: _KINDS[kind]
        for message_id, kind in ConfirmationReply.objects.filter(
            workspace=workspace, phone=phone, message__isnull=False
        ).values_list("message_id", "kind")
    }
    prompts = set(
        JoinRequest.objects.filter(workspace=workspace, phone=phone, prompt_message__isnull=False).values_list(
            "prompt_message_id", flat=True
        )
    )
    rows = (
        Message.objects.filter(
            workspace=workspace, conversation__workspace=workspace, conversation__phone=phone, created_at__lte=until
        )
        .order_by("created_at", "id")
        .values_list(*_FIELDS)
    )
    inbound = Message.Direction.INBOUND
    # Tuples, not model instances: a number with 10,000 texts spends its time on the texts, not on objects.
    for pk, at, direction, from_phone, to_phone, body, status, failure, sid, sent_at, who in rows.iterator(
        chunk_size=CHUNK
    ):
        kind, summary = ("text_in", "Text received") if direction == inbound else ("text_out", "Text sent")
        if pk in automatic:
            kind, summary = automatic[pk]
        elif pk in prompts:
            kind, summary = "double_opt_in_prompt", "Double opt-in prompt sent"
        details = {"from": from_phone, "to": to_phone}
        if failure:
            details["failure_reason"] = failure
        if sid:
            details["provider_sid"] = sid
        if sent_at:
            details["sent_at"] = sent_at.isoformat()
        yield Entry(
            at=at,
            kind=kind,
            summary=summary,
            who=who or "",
            text=body,
            status=status,
            reference=f"message {pk}",
            details=details,
            order=0,
        )
