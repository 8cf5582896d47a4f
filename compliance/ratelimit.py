"""A fixed-window request counter per client address, kept in Django's cache.

With Redis as the cache (CACHE_URL) the count is shared by every web process;
with the local-memory cache each process counts on its own, which is still a
brake on a guesser but a looser one (docs/operations.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def client_address(request: HttpRequest) -> str:
    header = settings.OPT_OUT_LINK_CLIENT_IP_HEADER
    if header:
        # X-Forwarded-For lists every hop; the last one is the address our own proxy saw.
        forwarded = request.headers.get(header, "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, *, limit: int, period: int) -> Verdict:
    """Count one request for ``key``; not allowed once more than ``limit`` fell in this window."""
    now = time.time()
    window = int(now // period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # The window expired between add and incr.
        cache.set(cache_key, 1, timeout=period + 1)
        count = 1
    return Verdict(allowed=count <= limit, retry_after=max(1, int((window + 1) * period - now)))


def check_link_request(request: HttpRequest) -> Verdict:
    limit, period = settings.OPT_OUT_LINK_RATE_LIMIT
    return hit("optout-link", client_address(request), limit=limit, period=period)
