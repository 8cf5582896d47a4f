"""The texts of a number's evidence pack (optouts/evidence.py cannot read messaging: it is below it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from messaging.models import Message
from optouts.evidence import CHUNK, Entry
from workspaces.models import Workspace

from .models import ConfirmationReply, JoinRequest

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
    rows = Message.objects.filter(
        workspace=workspace, conversation__workspace=workspace, conversation__phone=phone, created_at__lte=until
    ).select_related("created_by")
    for m in rows.order_by("created_at", "id").iterator(chunk_size=CHUNK):
        inbound = m.direction == Message.Direction.INBOUND
        kind, summary = ("text_in", "Text received") if inbound else ("text_out", "Text sent")
        if m.pk in automatic:
            kind, summary = automatic[m.pk]
        elif m.pk in prompts:
            kind, summary = "double_opt_in_prompt", "Double opt-in prompt sent"
        details = {"from": m.from_phone, "to": m.to_phone}
        if m.failure_reason:
            details["failure_reason"] = m.failure_reason
        if m.provider_sid:
            details["provider_sid"] = m.provider_sid
        if m.sent_at:
            details["sent_at"] = m.sent_at.isoformat()
        yield Entry(
            at=m.created_at,
            kind=kind,
            summary=summary,
            who=m.created_by.get_username() if m.created_by else "",
            text=m.body,
            status=m.status,
            reference=f"message {m.pk}",
            details=details,
            order=0,
        )
