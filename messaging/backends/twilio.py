"""The real Twilio backend: one HTTPS call per text to ``TWILIO_API_BASE_URL``.

Every call is bounded (``SMS_PROVIDER_CONNECT_TIMEOUT`` to connect,
``SMS_PROVIDER_TIMEOUT`` for the answer), because delivery holds the guard's
per-number locks while the call is in flight. Each delivery thread keeps its
own client, so connections to Twilio are reused between calls.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterable
from functools import cache

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from workspaces.models import Workspace

from . import PROVIDER_TOO_MANY_REQUESTS, BaseSmsBackend, OutgoingSms, ProviderError, ProviderUnconfirmed

_clients = threading.local()


def credentials_for(workspace: Workspace) -> tuple[str, str]:
    """A workspace's own Twilio account, or the one in settings."""
    if workspace.twilio_account_sid and workspace.twilio_auth_token:
        return workspace.twilio_account_sid, workspace.twilio_auth_token
    return settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN


def _client(account_sid: str, auth_token: str) -> Client:
    """This thread's client for the account (a requests session, so keep-alive connections)."""
    cache = _clients.__dict__.setdefault("by_key", {})
    key = (account_sid, auth_token, settings.TWILIO_API_BASE_URL, TwilioHttpClient, settings.SMS_PROVIDER_TIMEOUT)
    client = cache.get(key)
    if client is None:
        http = TwilioHttpClient(timeout=settings.SMS_PROVIDER_TIMEOUT, proxy=_proxies())
        if getattr(http, "session", None) is not None:
            # requests re-reads every environment variable on each request looking for
            # proxies and .netrc (≈1.5 ms of CPU a call); read them once instead.
            http.session.trust_env = False
        # (connect, read): a refused or slow connect proves nothing was sent; a slow answer does not.
        http.timeout = (settings.SMS_PROVIDER_CONNECT_TIMEOUT, settings.SMS_PROVIDER_TIMEOUT)
        client = Client(account_sid, auth_token, http_client=http)
        client.api.base_url = settings.TWILIO_API_BASE_URL
        cache[key] = client
    return client


@cache
def _proxies() -> dict[str, str]:
    found = urllib.request.getproxies()
    return {scheme: found[scheme] for scheme in ("http", "https") if scheme in found}


def _never_connected(exc: requests.ConnectionError) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or isinstance(exc.args[0] if exc.args else None, NewConnectionError)


def _refusal(exc: TwilioRestException) -> ProviderError | ProviderUnconfirmed:
    status, code = exc.status, exc.code
    message = exc.msg or str(exc)
    if status == 429 or code in PROVIDER_TOO_MANY_REQUESTS:
        return ProviderError(message, code=code, retryable=True)
    if status >= 500:
        if code is not None and code != status:
            return ProviderError(message, code=code, retryable=True)  # Twilio's own error body: refused
        # A bare 5xx (a proxy's page, no Twilio error) may come after Twilio took the text.
        return ProviderUnconfirmed(f"Twilio answered HTTP {status} without an error body.")
    return ProviderError(message, code=code)


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        self._credentials: dict[int, tuple[str, str]] = {}

    def prepare(self, workspace_ids: Iterable[int]) -> None:
        missing = set(workspace_ids) - self._credentials.keys()
        for workspace in Workspace.objects.filter(pk__in=missing):
            self._credentials[workspace.pk] = credentials_for(workspace)

    def send(self, sms: OutgoingSms) -> str:
        if sms.workspace_id not in self._credentials:
            self.prepare([sms.workspace_id])
        account_sid, auth_token = self._credentials.get(sms.workspace_id, ("", ""))
        if not (account_sid and auth_token):
            raise ProviderError("Twilio credentials are not configured for this workspace.")
        # The receipt URL carries our id, so a receipt finds a text whose answer we never got.
        callback = settings.SITE_URL + reverse("webhooks:twilio_status") + f"?message={sms.message_id}"
        try:
            result = _client(account_sid, auth_token).messages.create(
                to=sms.to, from_=sms.from_phone, body=sms.body, status_callback=callback
            )
        except TwilioRestException as exc:
            raise _refusal(exc) from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise ProviderError(f"Twilio could not be reached: {exc}", retryable=True) from exc
            raise ProviderUnconfirmed(f"The connection to Twilio broke before it answered: {exc}") from exc
        except requests.Timeout as exc:
            raise ProviderUnconfirmed(f"Twilio did not answer within {settings.SMS_PROVIDER_TIMEOUT} s.") from exc
        return result.sid
