"""Delivery receipts from the provider: ``sent`` becomes ``delivered`` or ``failed``.

A receipt also settles a text whose provider call got no answer (failed /
``unconfirmed``): its receipt URL carries our message id (``?message=<id>``),
so the receipt finds it although we never learnt the provider's id.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from .backends import PROVIDER_INVALID_NUMBER, PROVIDER_UNSUBSCRIBED
from .delivery import record_provider_opt_out
from .models import Message

Status = Message.Status
Reason = Message.FailureReason
# Receipts can arrive out of order; only these moves are applied.
_FROM = [Status.SENDING, Status.SENT]
_UNCONFIRMED = Q(status=Status.FAILED, failure_reason=Reason.UNCONFIRMED)
# Twilio statuses that mean it took the text (it may still fail later).
_ACCEPTED = {"accepted", "queued", "sending", "sent"}


def record_delivery_status(
    *, provider_sid: str, status: str, error_code: str = "", message_id: int | None = None
) -> bool:
    """Apply a provider receipt; returns whether a message changed."""
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    messages = outbound.filter(provider_sid=provider_sid) if provider_sid else outbound.none()
    if message_id is not None and provider_sid and not messages.exists():
        # The text whose call went unanswered: it learns its provider id now.
        messages = outbound.filter(pk=message_id, provider_sid__isnull=True)
        if messages.filter(_UNCONFIRMED | Q(status=Status.SENDING)).update(provider_sid=provider_sid) == 0:
            return False
        messages = outbound.filter(pk=message_id, provider_sid=provider_sid)
    now = timezone.now()
    if status in _ACCEPTED:
        return bool(
            messages.filter(_UNCONFIRMED).update(
                status=Status.SENT, failure_reason="", error_message="", sent_at=now, updated_at=now
            )
        )
    if status == "delivered":
        changed = messages.filter(Q(status__in=_FROM) | _UNCONFIRMED).update(
            status=Status.DELIVERED, failure_reason="", error_message="", updated_at=now
        )
    elif status in {"undelivered", "failed"}:
        code = int(error_code) if error_code.isdigit() else None
        reason = (
            Reason.OPTED_OUT
            if code in PROVIDER_UNSUBSCRIBED
            else Reason.INVALID_NUMBER
            if code in PROVIDER_INVALID_NUMBER
            else Reason.PROVIDER_ERROR
        )
        changed = messages.filter(Q(status__in=[*_FROM, Status.DELIVERED]) | _UNCONFIRMED).update(
            status=Status.FAILED,
            failure_reason=reason,
            error_message=f"The carrier reported the text {status}" + (f" (error {code})." if code else "."),
            updated_at=now,
        )
        # Only when this receipt moved the text: a repeat (Twilio's retry, a spool replay) records nothing twice.
        if changed and code in PROVIDER_UNSUBSCRIBED and (message := messages.select_related("workspace").first()):
            # The recipient replied STOP to the provider: that is an opt-out here too (SPEC §4).
            record_provider_opt_out(message, error_code=code)
    else:
        return False
    return bool(changed)
