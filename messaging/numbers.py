"""Sender numbers: adding one, removing one, and pointing its Twilio webhooks at us (SPEC §14).

Lives in messaging because SenderNumber does; its page is registered in the
``workspaces`` URL namespace by the root URLconf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from emuchat.phones import format_international, normalize
from workspaces.models import Workspace

from .backends.twilio import credentials_for
from .models import SenderNumber


def webhook_urls() -> dict[str, str]:
    """The two URLs a number must point at, as Twilio's API names them."""
    return {
        "SmsUrl": settings.SITE_URL + reverse("webhooks:twilio_sms"),
        "StatusCallback": settings.SITE_URL + reverse("webhooks:twilio_status"),
    }


@dataclass
class Wiring:
    """What adding a number did at Twilio, for the page to say."""

    configured: bool  # webhooks set (or already right) through the API
    changes: list[str] = field(default_factory=list)  # "Incoming texts: … → …"
    manual: dict[str, str] = field(default_factory=dict)  # what to paste in the console when not configured


def twilio_client(workspace: Workspace) -> Client | None:
    account_sid, auth_token = credentials_for(workspace)
    if not (account_sid and auth_token):
        return None
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=settings.SMS_PROVIDER_TIMEOUT))
    client.api.base_url = settings.TWILIO_API_BASE_URL or "https://api.twilio.com"
    return client


def _twilio_error(error: Exception, account_sid: str) -> ValidationError:
    if not isinstance(error, TwilioRestException) and isinstance(error, TwilioException) and len(error.args) > 1:
        # A failed page fetch carries the raw response instead of a parsed error.
        response = error.args[1]
        error = TwilioRestException(getattr(response, "status_code", 500), "", msg=str(getattr(response, "text", "")))
    if isinstance(error, TwilioRestException) and error.status in (401, 403):
        text = f"Twilio refused the credentials for account {account_sid}. Check the account SID and auth token."
    elif isinstance(error, TwilioRestException):
        text = (
            f"Twilio answered with an error ({error.status}{f', code {error.code}' if error.code else ''}): {error.msg}"
        )
    else:
        text = "Twilio could not be reached, so the number was not added. Try again in a minute."
    return ValidationError({"phone": [text]})


def _wire_at_twilio(client: Client, phone: str) -> tuple[str, list[str]]:
    """Find ``phone`` in the account and point it at our webhooks; return its sid and what changed."""
    account_sid = client.username
    try:
        found = client.api.v2010.accounts(account_sid).incoming_phone_numbers.list(phone_number=phone, limit=5)
    except (TwilioException, requests.RequestException) as error:
        raise _twilio_error(error, account_sid)
    number = next((n for n in found if n.phone_number == phone), None)
    if number is None:
        raise ValidationError(
            {
                "phone": [
                    f"{format_international(phone)} is not a number in the Twilio account {account_sid}. "
                    "Buy or port it in Twilio first, or check this workspace's Twilio credentials."
                ]
            }
        )
    wanted = webhook_urls()
    current = {"SmsUrl": number.sms_url or "", "StatusCallback": number.status_callback or ""}
    labels = {"SmsUrl": "Incoming texts", "StatusCallback": "Status callback"}
    changes = [
        f"{labels[key]}: {current[key] or '(not set)'} → {wanted[key]}" for key in wanted if current[key] != wanted[key]
    ]
    if changes or (number.sms_method or "POST").upper() != "POST":
        try:
            client.api.v2010.accounts(account_sid).incoming_phone_numbers(number.sid).update(
                sms_url=wanted["SmsUrl"],
                sms_method="POST",
                status_callback=wanted["StatusCallback"],
                status_callback_method="POST",
            )
        except (TwilioException, requests.RequestException) as error:
            raise _twilio_error(error, account_sid)
    return number.sid, changes


def _taken_message(phone: str, owner: Workspace, workspace: Workspace) -> str:
    if owner.pk == workspace.pk:
        return f"{format_international(phone)} is already one of this workspace's sender numbers."
    return (
        f"{format_international(phone)} is a sender number of another workspace. "
        "A number belongs to one workspace, so its replies and STOPs land in one place."
    )


def add_sender_number(*, workspace: Workspace, phone: str, label: str = "", actor=None) -> tuple[SenderNumber, Wiring]:
    """Add a number in any writing (stored E.164); with Twilio credentials, wire its webhooks first.

    The Twilio calls happen outside any transaction; the row is written only after they succeed.
    """
    try:
        e164 = normalize(phone, workspace.default_region)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages})
    existing = SenderNumber.objects.select_related("workspace").filter(phone=e164).first()
    if existing is not None:
        raise ValidationError({"phone": [_taken_message(e164, existing.workspace, workspace)]})

    client = twilio_client(workspace)
    provider_sid, wiring = "", Wiring(configured=False, manual=webhook_urls())
    if client is not None:
        provider_sid, changes = _wire_at_twilio(client, e164)
        wiring = Wiring(configured=True, changes=changes)
    try:
        with transaction.atomic():
            number = SenderNumber.objects.create(
                workspace=workspace,
                phone=e164,
                label=label.strip(),
                provider_sid=provider_sid,
                webhooks_set_at=timezone.now() if wiring.configured else None,
            )
    except IntegrityError:
        owner = SenderNumber.objects.select_related("workspace").get(phone=e164).workspace
        raise ValidationError({"phone": [_taken_message(e164, owner, workspace)]})
    return number, wiring


def wire_sender_number(*, workspace: Workspace, number: SenderNumber, actor=None) -> Wiring:
    """Point an existing number's webhooks here (e.g. added before the workspace had credentials)."""
    client = twilio_client(workspace)
    if client is None:
        raise ValidationError("This workspace has no Twilio credentials; set the webhooks in the Twilio console.")
    provider_sid, changes = _wire_at_twilio(client, number.phone)
    SenderNumber.objects.filter(pk=number.pk, workspace=workspace).update(
        provider_sid=provider_sid, webhooks_set_at=timezone.now()
    )
    return Wiring(configured=True, changes=changes)


@transaction.atomic
def remove_sender_number(*, workspace: Workspace, number: SenderNumber, actor=None) -> None:
    """Stop using a number here; its conversations and texts stay (their sender becomes empty)."""
    deleted, _ = SenderNumber.objects.filter(pk=number.pk, workspace=workspace).delete()
    if not deleted:
        raise ValidationError("That number was already removed.")
