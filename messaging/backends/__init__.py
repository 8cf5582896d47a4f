"""SMS provider backends, chosen by ``settings.SMS_BACKEND`` like Django's email backends."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Twilio error codes that mean something other than a transient provider fault.
PROVIDER_UNSUBSCRIBED = {21610}
PROVIDER_INVALID_NUMBER = {21211, 21214, 21614}


class ProviderError(Exception):
    """The provider refused the message. ``code`` is the provider's error code, if any."""

    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class OutgoingSms:
    workspace_id: int
    from_phone: str
    to: str
    body: str
    message_id: int


class BaseSmsBackend:
    def send(self, sms: OutgoingSms) -> str:
        """Hand one text to the provider; return its message id or raise ProviderError."""
        raise NotImplementedError


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
