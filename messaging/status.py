"""Delivery receipts from the provider: ``sent`` becomes ``delivered`` or ``failed``."""

from __future__ import annotations

from django.utils import timezone

from .backends import PROVIDER_INVALID_NUMBER, PROVIDER_UNSUBSCRIBED
from .models import Message
from .services import record_provider_opt_out

Status = Message.Status
Reason = Message.FailureReason
# Receipts can arrive out of order; only these moves are applied.
_FROM = [Status.SENDING, Status.SENT]


def record_delivery_status(*, provider_sid: str, status: str, error_code: str = "") -> bool:
    """Apply a provider receipt; returns whether a message changed."""
    messages = Message.objects.filter(provider_sid=provider_sid, direction=Message.Direction.OUTBOUND)
    if status == "delivered":
        changed = messages.filter(status__in=_FROM).update(status=Status.DELIVERED, updated_at=timezone.now())
    elif status in {"undelivered", "failed"}:
        code = int(error_code) if error_code.isdigit() else None
        reason = (
            Reason.OPTED_OUT
            if code in PROVIDER_UNSUBSCRIBED
            else Reason.INVALID_NUMBER
            if code in PROVIDER_INVALID_NUMBER
            else Reason.PROVIDER_ERROR
        )
        changed = messages.filter(status__in=[*_FROM, Status.DELIVERED]).update(
            status=Status.FAILED,
            failure_reason=reason,
            error_message=f"The carrier reported the text {status}" + (f" (error {code})." if code else "."),
            updated_at=timezone.now(),
        )
        if code in PROVIDER_UNSUBSCRIBED and (message := messages.select_related("workspace").first()):
            # The recipient replied STOP to the provider: that is an opt-out here too (SPEC §4).
            record_provider_opt_out(message, error_code=code)
    else:
        return False
    return bool(changed)
