from __future__ import annotations

from optouts import services as optout_services
from optouts.models import Method, OptOut
from workspaces.models import Workspace

from .models import Conversation


def opt_out_conversation(*, workspace: Workspace, conversation: Conversation, actor=None) -> tuple[OptOut, int]:
    """Opt the conversation's number out; returns the entry and how many waiting texts it cancelled."""
    optout = optout_services.opt_out(
        workspace=workspace,
        phone=conversation.phone,
        method=Method.MANUAL,
        reason="Opted out from the conversation",
        actor=actor,
    )
    return optout, optout.cancelled_texts


def opt_in_conversation(*, workspace: Workspace, conversation: Conversation, actor=None, reason: str = "") -> bool:
    return optout_services.opt_in(
        workspace=workspace, phone=conversation.phone, actor=actor, **({"reason": reason} if reason else {})
    )
