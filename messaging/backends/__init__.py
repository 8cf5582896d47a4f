"""SMS provider backends, chosen by ``settings.SMS_BACKEND`` like Django's email backends.

A backend's ``send`` either returns the provider's id for the text, or raises
one of two errors, and the difference decides whether the text may be tried
again (SPEC §5):

- ``ProviderError``: the provider answered, or could not be reached at all, so
  we know it did not take the text. ``retryable`` marks refusals worth another
  try later (HTTP 429, a 5xx with an error body, connection refused).
- ``ProviderUnconfirmed``: the request may have reached the provider but no
  answer came back (a read timeout, a dropped connection). The text may have
  been sent, so it is never tried again.

Any other exception out of ``send`` is treated like ``ProviderUnconfirmed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Twilio error codes that mean something other than a transient provider fault.
PROVIDER_UNSUBSCRIBED = {21610}
PROVIDER_INVALID_NUMBER = {21211, 21214, 21614}
PROVIDER_TOO_MANY_REQUESTS = {20429}


class ProviderError(Exception):
    """The provider did not take the message. ``code`` is the provider's error code, if any."""

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class ProviderUnconfirmed(Exception):
    """The call may have reached the provider, but we never learnt its outcome."""


@dataclass(frozen=True)
class OutgoingSms:
    workspace_id: int
    from_phone: str
    to: str
    body: str
    message_id: int


class BaseSmsBackend:
    def prepare(self, workspace_ids: Iterable[int]) -> None:
        """Load what ``send`` needs from the database, in the caller's thread.

        Delivery calls ``send`` from a pool of threads that must not open
        database connections of their own; it calls this first.
        """

    def send(self, sms: OutgoingSms) -> str:
        """Hand one text to the provider; return its message id or raise ProviderError / ProviderUnconfirmed."""
        raise NotImplementedError


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
