"""The provider's webhooks: inbound texts and delivery receipts (SPEC §11)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from optouts.keywords import clean_text
from workspaces.models import Workspace

from . import services
from .models import Message, SenderNumber
from .status import record_delivery_status

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's Advanced Opt-Out verdicts; anything else in OptOutType is ignored.
PROVIDER_VERDICTS = {"STOP", "START", "HELP"}


def _workspace_of_inbound(params: dict[str, str]) -> Workspace | None:
    """An inbound text belongs to the workspace that owns the number it was sent to."""
    to = clean_text(params.get("To", "")).strip()
    sender = SenderNumber.objects.select_related("workspace").filter(phone=to).first()
    return sender.workspace if sender else None


def _workspace_of_receipt(params: dict[str, str]) -> Workspace | None:
    """A receipt is about one of our texts: its ``To`` is the recipient, so look the text up instead."""
    sid = clean_text(params.get("MessageSid", "")).strip()
    message = Message.objects.select_related("workspace").filter(provider_sid=sid).first() if sid else None
    return message.workspace if message else None


def _auth_tokens(workspace: Workspace | None) -> list[str]:
    """The workspace's own Twilio token when it has one, and the settings' token."""
    tokens = [workspace.twilio_auth_token] if workspace and workspace.twilio_auth_token else []
    if settings.TWILIO_AUTH_TOKEN:
        tokens.append(settings.TWILIO_AUTH_TOKEN)
    return tokens


def signature_is_valid(
    request: HttpRequest, *, workspace_of: Callable[[dict[str, str]], Workspace | None] = _workspace_of_inbound
) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    params = request.POST.dict()
    return any(RequestValidator(token).validate(url, params, signature) for token in _auth_tokens(workspace_of(params)))


def handle_inbound(params: dict[str, str]) -> Message | None:
    """Everything after the signature check, from the signed form alone (a spool can replay it)."""
    verdict = params.get("OptOutType", "").strip().upper()
    return services.receive_message(
        to=params.get("To", ""),
        from_=params.get("From", ""),
        body=params.get("Body", ""),
        provider_sid=params.get("MessageSid", ""),
        opt_out_type=verdict if verdict in PROVIDER_VERDICTS else "",
    )


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        log.warning("Rejected inbound webhook with a missing or wrong signature")
        return HttpResponseForbidden("Invalid signature.")
    handle_inbound(request.POST.dict())
    # The opt-out, if any, committed inside receive_message: only now do we answer.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery receipts (the status callback set on every outbound text)."""
    if not signature_is_valid(request, workspace_of=_workspace_of_receipt):
        return HttpResponseForbidden("Invalid signature.")
    record_delivery_status(
        provider_sid=clean_text(request.POST.get("MessageSid", "")).strip(),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
