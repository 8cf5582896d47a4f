"""The provider's webhooks: inbound texts and delivery receipts (SPEC §11).

A signed text is stored at once when it can be; otherwise (database down, a
payload that cannot be stored) it is kept in ``inbound_spool`` and applied
later through the same ``handle_inbound``. We answer 200 only once it is kept.
A delivery receipt goes the same way through ``handle_receipt`` (204 once kept).

The signature is checked before anything else; the number the text was sent to
is looked up once, for the signature and for storing the text (issue #15).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from optouts.keywords import clean_text
from workspaces.models import Workspace

from . import inbound_spool, services
from .models import Message, SenderNumber
from .status import record_delivery_status

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's Advanced Opt-Out verdicts; anything else in OptOutType is ignored.
PROVIDER_VERDICTS = {"STOP", "START", "HELP"}
# Entries replayed inline by one webhook request before it handles its own text; beat does the rest.
DRAIN_PER_REQUEST = 50


def _workspace_of_inbound(params: dict[str, str]) -> Workspace | None:
    """An inbound text belongs to the workspace that owns the number it was sent to."""
    sender = services.inbound_sender(params.get("To", ""))
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


def handle_inbound(params: dict[str, str], *, sender: SenderNumber | None = None) -> Message | None:
    """Everything after the signature check, from the signed form alone (the spool replays through here)."""
    verdict = params.get("OptOutType", "").strip().upper()
    return services.receive_message(
        to=params.get("To", ""),
        from_=params.get("From", ""),
        body=params.get("Body", ""),
        provider_sid=params.get("MessageSid", ""),
        opt_out_type=verdict if verdict in PROVIDER_VERDICTS else "",
        sender=sender,
    )


def handle_receipt(params: dict[str, str], *, message_id: int | None = None) -> bool:
    """Apply a signed delivery receipt (the spool replays through here too); receipts are idempotent."""
    return record_delivery_status(
        provider_sid=clean_text(params.get("MessageSid", "")).strip(),
        status=params.get("MessageStatus", ""),
        error_code=params.get("ErrorCode", ""),
        message_id=message_id,
    )


def _verdict(*, url: str, params: dict[str, str], signature: str, workspace: Workspace | None, database_up: bool):
    """True or False; None when the database is down and only ``TWILIO_AUTH_TOKEN`` could be tried.

    ``None`` means "verify later": the request may be signed with a workspace's own
    token, which lives in the database. It is kept unverified and checked on replay.
    """
    if not signature:
        return False
    if not database_up:
        token = settings.TWILIO_AUTH_TOKEN
        return True if token and RequestValidator(token).validate(url, params, signature) else None
    return any(RequestValidator(token).validate(url, params, signature) for token in _auth_tokens(workspace))


def signature_verdict(
    *,
    url: str,
    params: dict[str, str],
    signature: str,
    workspace_of: Callable[[dict[str, str]], Workspace | None] = _workspace_of_inbound,
) -> bool | None:
    """The verdict on a signed form, looking up whose token to try (``_verdict``)."""
    if not signature:
        return False
    try:
        workspace, database_up = workspace_of(params), True
    except DatabaseError as error:
        log.error("Webhook signature: database unavailable (%s); trying TWILIO_AUTH_TOKEN only", error)
        workspace, database_up = None, False
    return _verdict(url=url, params=params, signature=signature, workspace=workspace, database_up=database_up)


def _verify_spooled(item: dict) -> bool:
    workspace_of = _workspace_of_receipt if item.get("kind") == inbound_spool.RECEIPT else _workspace_of_inbound
    url, params, signature = item["url"], item["params"], item["signature"]
    return bool(signature_verdict(url=url, params=params, signature=signature, workspace_of=workspace_of))


APPLIERS = {inbound_spool.INBOUND: handle_inbound, inbound_spool.RECEIPT: handle_receipt}


def replay_spooled(*, limit: int = 10_000) -> inbound_spool.DrainResult:
    """Apply the texts and receipts kept while the database was down (beat, the drain command, the next webhook)."""
    return inbound_spool.drain(apply=APPLIERS, verify=_verify_spooled, limit=limit)


def _accept(
    params: dict[str, str],
    *,
    url: str,
    signature: str,
    verified: bool,
    database_up: bool,
    kind: str = inbound_spool.INBOUND,
    context: dict | None = None,
    apply: Callable[[], object] | None = None,
) -> None:
    """Store the text (or receipt) now, or keep it in the spool; raises SpoolUnavailable when neither works.

    ``apply`` stores it now (default: ``APPLIERS[kind]`` with ``context``); the
    spool keeps ``kind`` and ``context`` so a replay calls the same function.
    """
    context = context or {}

    def keep(**why) -> None:
        inbound_spool.keep(inbound_spool.entry(params, kind=kind, context=context, **why))

    if not verified:
        keep(verified=False, url=url, signature=signature, reason="verify")
        return
    if not database_up:
        keep(verified=True, reason="database unavailable")
        return
    # What was kept earlier goes first, so a STOP kept during an outage is not overtaken by a later SUBSCRIBE.
    try:
        behind = inbound_spool.pending() and replay_spooled(limit=DRAIN_PER_REQUEST).stopped_early
    except Exception:  # noqa: BLE001 - a broken spool must not cost this text: keep it behind the others
        log.exception("Inbound spool could not be drained")
        behind = True
    if behind:
        keep(verified=True, reason="behind the spool")
        return
    try:
        apply() if apply is not None else APPLIERS[kind](params, **context)
    except Exception as error:  # noqa: BLE001 - database down or bad bytes: keep it, never lose it
        log.exception("Webhook %s could not be stored at once; spooling it", kind)
        keep(verified=True, reason=type(error).__name__)


def _signed_form(request: HttpRequest) -> tuple[str, dict[str, str], str]:
    signature = request.headers.get("X-Twilio-Signature", "")
    return settings.SITE_URL + request.get_full_path(), request.POST.dict(), signature


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    url, params, signature = _signed_form(request)
    if not signature:
        log.warning("Rejected inbound webhook with a missing signature")
        return HttpResponseForbidden("Invalid signature.")
    sender, database_up = None, True
    try:
        sender = services.inbound_sender(params.get("To", ""))
    except DatabaseError as error:
        log.error("Webhook signature: database unavailable (%s); trying TWILIO_AUTH_TOKEN only", error)
        database_up = False
    workspace = sender.workspace if sender else None
    verdict = _verdict(url=url, params=params, signature=signature, workspace=workspace, database_up=database_up)
    if verdict is False:
        log.warning("Rejected inbound webhook with a wrong signature")
        return HttpResponseForbidden("Invalid signature.")
    try:
        _accept(
            params,
            url=url,
            signature=signature,
            verified=verdict is True,
            database_up=database_up,
            apply=lambda: handle_inbound(params, sender=sender),
        )
    except inbound_spool.SpoolUnavailable:
        log.critical("INBOUND TEXT NOT KEPT: database, Redis and the spool file all failed; answering 503")
        return HttpResponse("Temporarily unavailable.", status=503)
    # Stored (the opt-out, if any, committed), or kept durably in the spool: only now do we answer.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery receipts (the status callback set on every outbound text), kept like inbound texts."""
    url, params, signature = _signed_form(request)
    if not signature:
        return HttpResponseForbidden("Invalid signature.")
    workspace, database_up = None, True
    try:
        workspace = _workspace_of_receipt(params)
    except DatabaseError as error:
        log.error("Receipt signature: database unavailable (%s); trying TWILIO_AUTH_TOKEN only", error)
        database_up = False
    verdict = _verdict(url=url, params=params, signature=signature, workspace=workspace, database_up=database_up)
    if verdict is False:
        return HttpResponseForbidden("Invalid signature.")
    message_id = request.GET.get("message", "")  # our id, in the receipt URL set on every outbound text
    try:
        _accept(
            params,
            url=url,
            signature=signature,
            verified=verdict is True,
            database_up=database_up,
            kind=inbound_spool.RECEIPT,
            context={"message_id": int(message_id) if message_id.isdigit() else None},
        )
    except inbound_spool.SpoolUnavailable:
        log.critical("DELIVERY RECEIPT NOT KEPT: database, Redis and the spool file all failed; answering 503")
        return HttpResponse("Temporarily unavailable.", status=503)
    # Applied, or kept durably in the spool: only now do we answer.
    return HttpResponse(status=204)
