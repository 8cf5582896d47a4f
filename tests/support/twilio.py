"""Signing webhook requests the way Twilio does, with the twilio package itself."""

from __future__ import annotations

from django.conf import settings
from twilio.request_validator import RequestValidator

WEBHOOK_PATH = "/webhooks/twilio/sms/"


def sign(params: dict[str, str], *, path: str = WEBHOOK_PATH, token: str | None = None) -> str:
    return RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(settings.SITE_URL + path, params)


def inbound(
    client,
    *,
    body: str,
    from_: str = "+14155550123",
    to: str = "+14155550100",
    sid: str = "SM1",
    signature: str | None = None,
    extra: dict[str, str] | None = None,
    path: str = WEBHOOK_PATH,
    token: str | None = None,
):
    """POST an inbound text as Twilio does; ``extra`` adds fields such as ``OptOutType``."""
    params = {"From": from_, "To": to, "Body": body, "MessageSid": sid, "AccountSid": "AC123", "NumMedia": "0"}
    params |= extra or {}
    signature = sign(params, path=path, token=token) if signature is None else signature
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
