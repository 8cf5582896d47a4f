"""The provider's inbound-SMS webhook (SPEC §11)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from workspaces.models import Workspace

from . import services
from .models import SenderNumber
from .status import record_delivery_status

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _auth_tokens(to: str) -> list[str]:
    """The workspace's own Twilio token when it has one, else the settings' token."""
    sender = SenderNumber.objects.select_related("workspace").filter(phone=to).first()
    workspace: Workspace | None = sender.workspace if sender else None
    tokens = [workspace.twilio_auth_token] if workspace and workspace.twilio_auth_token else []
    if settings.TWILIO_AUTH_TOKEN:
        tokens.append(settings.TWILIO_AUTH_TOKEN)
    return tokens


def signature_is_valid(request: HttpRequest, *, sender_field: str = "To") -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    params = request.POST.dict()
    return any(
        RequestValidator(token).validate(url, params, signature) for token in _auth_tokens(request.POST.get("To", ""))
    )


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        log.warning("Rejected inbound webhook with a missing or wrong signature")
        return HttpResponseForbidden("Invalid signature.")
    message = services.receive_message(
        to=request.POST.get("To", ""),
        from_=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        provider_sid=request.POST.get("MessageSid", ""),
    )
    if message is None:
        log.info("Inbound text for an unknown number answered and dropped")
    # The opt-out, if any, committed inside receive_message: only now do we answer.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery receipts (the status callback set on every outbound text)."""
    if not signature_is_valid(request, sender_field="From"):
        return HttpResponseForbidden("Invalid signature.")
    message_id = request.GET.get("message", "")  # our id, in the receipt URL set on every outbound text
    record_delivery_status(
        provider_sid=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        message_id=int(message_id) if message_id.isdigit() else None,
    )
    return HttpResponse(status=204)
