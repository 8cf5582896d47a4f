"""The real Twilio backend: one HTTPS POST per text to ``TWILIO_API_BASE_URL``.

The one call delivery makes, ``POST /2010-04-01/Accounts/<sid>/Messages.json``,
goes through urllib3 directly: one connection pool per worker process, shared
by delivery's threads, with keep-alive connections and no retries of its own.
The twilio package's ``Client`` costs ~1.4 ms of CPU a call (building its
request and response objects), several times the HTTP itself, and delivery
is CPU-bound (docs/decisions.md, #11 round 2). The twilio package stays for
everything else: webhook signatures, number wiring (``messaging.numbers``).

Every call is bounded (``SMS_PROVIDER_CONNECT_TIMEOUT`` to connect,
``SMS_PROVIDER_TIMEOUT`` for the answer), because delivery holds the guard's
per-number locks while the call is in flight.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Iterable
from functools import cache
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.urls import reverse
from urllib3.exceptions import ConnectTimeoutError, HTTPError

from workspaces.models import Workspace

from . import PROVIDER_TOO_MANY_REQUESTS, BaseSmsBackend, OutgoingSms, ProviderError, ProviderUnconfirmed

USER_AGENT = "emuchat (urllib3)"
_pools: dict[tuple, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def credentials_for(workspace: Workspace) -> tuple[str, str]:
    """A workspace's own Twilio account, or the one in settings."""
    if workspace.twilio_account_sid and workspace.twilio_auth_token:
        return workspace.twilio_account_sid, workspace.twilio_auth_token
    return settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN


def _pool() -> urllib3.PoolManager:
    """This process's connection pool (thread-safe; keep-alive connections to Twilio are reused)."""
    key = (
        settings.TWILIO_API_BASE_URL,
        settings.SMS_PROVIDER_CONNECT_TIMEOUT,
        settings.SMS_PROVIDER_TIMEOUT,
        settings.SMS_DELIVERY_CONCURRENCY,
    )
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = _new_pool(urlsplit(settings.TWILIO_API_BASE_URL).scheme)
    return pool


def _new_pool(scheme: str) -> urllib3.PoolManager:
    options = {
        # Never retried here: a second POST after a lost answer could send the text twice.
        "retries": False,
        # (connect, read): a refused or slow connect proves nothing was sent; a slow answer does not.
        "timeout": urllib3.Timeout(connect=settings.SMS_PROVIDER_CONNECT_TIMEOUT, read=settings.SMS_PROVIDER_TIMEOUT),
        "maxsize": max(1, settings.SMS_DELIVERY_CONCURRENCY),  # one kept connection per call in flight
        "ca_certs": certifi.where(),
    }
    proxy = _proxies().get(scheme)
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


@cache
def _proxies() -> dict[str, str]:
    found = urllib.request.getproxies()
    return {scheme: found[scheme] for scheme in ("http", "https") if scheme in found}


@cache
def _authorization(account_sid: str, auth_token: str) -> str:
    return "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()


def _refusal(status: int, raw: bytes) -> ProviderError | ProviderUnconfirmed:
    """Twilio's answer other than 2xx: did it take the text (unknown) or refuse it (and may we retry)?"""
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    code = payload.get("code") if isinstance(payload, dict) else None
    message = (payload.get("message") if isinstance(payload, dict) else None) or f"HTTP {status}"
    if status == 429 or code in PROVIDER_TOO_MANY_REQUESTS:
        return ProviderError(f"Twilio refused the text: {message}", code=code, retryable=True)
    if status >= 500:
        if code is not None:
            return ProviderError(f"Twilio refused the text: {message}", code=code, retryable=True)  # its own body
        # A bare 5xx (a proxy's page, no Twilio error) may come after Twilio took the text.
        return ProviderUnconfirmed(f"Twilio answered HTTP {status} without an error body.")
    return ProviderError(f"Twilio refused the text: {message}", code=code)


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
        form = {"To": sms.to, "From": sms.from_phone, "Body": sms.body, "StatusCallback": callback}
        url = f"{settings.TWILIO_API_BASE_URL}/2010-04-01/Accounts/{account_sid}/Messages.json"
        try:
            response = _pool().request(
                "POST",
                url,
                body=urlencode(form),
                headers={
                    "Authorization": _authorization(account_sid, auth_token),
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
                redirect=False,
            )
        except ConnectTimeoutError as exc:  # also refused / unresolvable (NewConnectionError): nothing was sent
            raise ProviderError(f"Twilio could not be reached: {exc}", retryable=True) from exc
        except HTTPError as exc:  # read timeout, dropped connection, broken TLS: it may have been sent
            raise ProviderUnconfirmed(f"No answer from Twilio: {exc}") from exc
        if not 200 <= response.status < 300:
            raise _refusal(response.status, response.data)
        try:
            return json.loads(response.data)["sid"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderUnconfirmed(f"Twilio answered HTTP {response.status} without a message id.") from exc
