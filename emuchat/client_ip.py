"""The address a request came from, as the rate limits and log-in throttling see it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def address_or_none(request: HttpRequest) -> str | None:
    """The last hop of ``OPT_OUT_LINK_CLIENT_IP_HEADER`` behind our own proxy, else ``REMOTE_ADDR``.

    Anything that is not an IP address (a forged or garbled header) is ignored.
    """
    header = settings.OPT_OUT_LINK_CLIENT_IP_HEADER
    if header:
        # X-Forwarded-For lists every hop; the last one is the address our own proxy saw.
        forwarded = _ip(request.headers.get(header, "").split(",")[-1])
        if forwarded:
            return forwarded
    return _ip(request.META.get("REMOTE_ADDR", "") or "")


def client_address(request: HttpRequest) -> str:
    return address_or_none(request) or "unknown"
