"""The exemptions from the pre-send guard: the opt-out confirmation text and the HELP reply.

Registered as messaging's guard exemption (compliance/apps.py, messaging/hooks.py).

Registered with ``messaging.guard`` in ``ComplianceConfig.ready``; the rule itself is
explained there.

``messaging.services`` asks here only for a number that *is* opted out.
``reserve`` ties a pending exemption to the message being created;
``consume`` spends it in the worker, under the same per-number lock as the
guard's own check, right before the provider call. Both are compare-and-swap
updates that also require the 5-minute window to be open, so an exemption
lets exactly one message through, once, and never late.
"""

from __future__ import annotations

from django.utils import timezone

from workspaces.models import Workspace

from .models import ConfirmationReply

Status = ConfirmationReply.Status


def reserve(*, exemption_id: int, workspace: Workspace, phone: str, message_id: int) -> bool:
    """Give the still-unclaimed exemption to this message; False if it is spent, late or not theirs."""
    return (
        ConfirmationReply.objects.filter(
            pk=exemption_id,
            workspace=workspace,
            phone=phone,
            status=Status.PENDING,
            message__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(status=Status.RESERVED, message_id=message_id)
        == 1
    )


def consume(*, message_id: int) -> bool:
    """Spend the exemption reserved by this message; False if there is none or its window closed."""
    now = timezone.now()
    return (
        ConfirmationReply.objects.filter(message_id=message_id, status=Status.RESERVED, expires_at__gt=now).update(
            status=Status.USED, used_at=now
        )
        == 1
    )


def held_message_ids(*, workspace: Workspace):
    """Messages holding an exemption now: an opt-out must not cancel the confirmation it causes (SPEC §6)."""
    return ConfirmationReply.objects.filter(workspace=workspace, status=Status.RESERVED, message__isnull=False).values(
        "message_id"
    )
