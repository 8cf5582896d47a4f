from __future__ import annotations

from django.db import transaction

from messaging import services as messaging_services
from optouts import services as optout_services
from optouts.models import Method, OptOut
from workspaces.models import Workspace

from .models import Conversation


def opt_out_conversation(*, workspace: Workspace, conversation: Conversation, actor=None) -> tuple[OptOut, int]:
    """Opt the conversation's number out and cancel what is still waiting to go to it."""
    with transaction.atomic():
        optout = optout_services.opt_out(
            workspace=workspace,
            phone=conversation.phone,
            method=Method.MANUAL,
            reason="Opted out from the conversation",
            actor=actor,
        )
        cancelled = messaging_services.cancel_pending(workspace=workspace, phone=conversation.phone)
    return optout, cancelled


def opt_in_conversation(*, workspace: Workspace, conversation: Conversation, actor=None) -> bool:
    return optout_services.opt_in(workspace=workspace, phone=conversation.phone, actor=actor)
